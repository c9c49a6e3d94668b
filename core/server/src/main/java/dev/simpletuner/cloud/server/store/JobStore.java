package dev.simpletuner.cloud.server.store;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** Jobs and their idempotency keys. */
public final class JobStore {
  private static final String SUMMARY_COLUMNS = "job_id, owner_id, job_type, provider, status, config_name, "
      + "tracker_run_name, hardware_profile, hardware_type, cost_per_second, cost_usd, estimated_cost_usd, "
      + "created_at, updated_at, started_at, completed_at, dispatched_at, external_id, host_id, error_message, "
      + "output_url, progress, metadata, delivery, version";
  private static final String ALL_COLUMNS = SUMMARY_COLUMNS + ", config, dataloader_config";
  /** Idempotency keys are honoured for this long. */
  public static final long IDEMPOTENCY_TTL_MS = 24L * 3600 * 1000;

  private final Db db;
  private final JobCache cache;

  JobStore(Db db) {
    this.db = db;
    // SQLite has one writer, this process; PostgreSQL may be shared by several instances.
    this.cache = db.dialect() == Dialect.SQLITE ? JobCache.soleWriter(5_000) : JobCache.shared(5_000, 2_000);
  }

  /** See {@link JobCache#othersAnnounceWrites}. */
  public void othersAnnounceWrites(boolean announced) {
    cache.othersAnnounceWrites(announced);
  }

  /** Drops a cached copy: another instance changed the job. */
  public void invalidate(String jobId) {
    cache.invalidate(jobId);
  }

  /**
   * Stores a new job, honouring the owner's idempotency key atomically: the unique key on
   * (owner, key) decides which of two simultaneous submissions creates the job.
   */
  public Future<SubmitOutcome> submit(Job job, String idempotencyKey, String requestHash) {
    // Counted again once the new job is committed (list totals).
    return insertOnce(job, idempotencyKey, requestHash).onComplete(ar -> invalidate(job.jobId()));
  }

  private Future<SubmitOutcome> insertOnce(Job job, String idempotencyKey, String requestHash) {
    if (idempotencyKey == null) {
      return db.transaction(conn -> insert(conn, job)).map(v -> new SubmitOutcome(job, false, false));
    }
    long now = job.createdAt();
    return db.transaction(conn -> db.query(conn,
            "DELETE FROM idempotency_keys WHERE owner_id = ? AND idem_key = ? AND created_at < ?",
            job.ownerId(), idempotencyKey, now - IDEMPOTENCY_TTL_MS)
        .compose(v -> db.query(conn, "INSERT INTO idempotency_keys (owner_id, idem_key, request_hash, job_id, "
            + "created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (owner_id, idem_key) DO NOTHING",
            job.ownerId(), idempotencyKey, requestHash, job.jobId(), now))
        .compose(inserted -> inserted.rowCount() == 1
            ? insert(conn, job).map(v -> new SubmitOutcome(job, false, false))
            : existing(conn, job, idempotencyKey, requestHash)));
  }

  private Future<SubmitOutcome> existing(SqlConnection conn, Job job, String key, String requestHash) {
    return db.query(conn, "SELECT request_hash, job_id FROM idempotency_keys WHERE owner_id = ? AND idem_key = ?",
            job.ownerId(), key)
        .compose(rows -> {
          Row binding = rows.iterator().next();
          if (!binding.getString("request_hash").equals(requestHash)) {
            return Future.succeededFuture(new SubmitOutcome(null, true, true));
          }
          String boundJobId = binding.getString("job_id");
          return get(conn, boundJobId, true).compose(bound -> {
            if (bound.isPresent() && !neverReachedProvider(bound.get())) {
              return Future.succeededFuture(new SubmitOutcome(bound.get(), true, false));
            }
            // A submission that failed before the provider accepted it does not use up the key.
            return db.query(conn, "UPDATE idempotency_keys SET job_id = ?, created_at = ? WHERE owner_id = ? "
                    + "AND idem_key = ? AND job_id = ?", job.jobId(), job.createdAt(), job.ownerId(), key, boundJobId)
                .compose(v -> insert(conn, job))
                .map(v -> new SubmitOutcome(job, false, false));
          });
        });
  }

  /**
   * The job an owner's idempotency key currently stands for, if any (a plain read; the binding
   * itself is made atomically by {@link #submit}).
   */
  public Future<Optional<SubmitOutcome>> idempotentJob(String ownerId, String key, String requestHash, long now) {
    return db.query("SELECT request_hash, job_id FROM idempotency_keys WHERE owner_id = ? AND idem_key = ? "
        + "AND created_at >= ?", ownerId, key, now - IDEMPOTENCY_TTL_MS).compose(rows -> {
          if (!rows.iterator().hasNext()) {
            return Future.succeededFuture(Optional.empty());
          }
          Row binding = rows.iterator().next();
          if (!binding.getString("request_hash").equals(requestHash)) {
            return Future.succeededFuture(Optional.of(new SubmitOutcome(null, true, true)));
          }
          return get(binding.getString("job_id")).map(job -> job.filter(j -> !neverReachedProvider(j))
              .map(j -> new SubmitOutcome(j, true, false)));
        });
  }

  private static boolean neverReachedProvider(Job job) {
    return job.status() == JobStatus.FAILED && job.externalId() == null;
  }

  /** Settings scope (plus the provider id) of the provider ids of deleted jobs. */
  static final String FORGOTTEN_SCOPE = "deleted_job:";

  /** Serialises imports across instances (PostgreSQL); SQLite has one writer anyway. */
  private static final long IMPORT_LOCK_KEY = 0x5354494d50L; // "STIMP"

  /**
   * Stores a job found at its provider, unless a job of that provider has its external id, or had it
   * and was deleted (checked and inserted in one transaction, one import at a time): never twice.
   *
   * @return whether it was new
   */
  public Future<Boolean> importForeign(Job job) {
    return db.transaction(conn -> (db.dialect() == Dialect.POSTGRES
            ? db.query(conn, "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(?)) AS l", IMPORT_LOCK_KEY)
            : Future.succeededFuture())
        .compose(v -> db.query(conn, "SELECT 1 FROM jobs WHERE provider = ? AND external_id = ? UNION ALL "
            + "SELECT 1 FROM settings WHERE scope = ? AND name = ?", job.provider(), job.externalId(),
            FORGOTTEN_SCOPE + job.provider(), job.externalId()))
        .compose(rows -> rows.iterator().hasNext() ? Future.succeededFuture(false)
            : insert(conn, job).map(true)))
        .onComplete(ar -> invalidate(job.jobId()));
  }

  private Future<Void> insert(SqlConnection conn, Job job) {
    invalidate(job.jobId());
    return db.query(conn, "INSERT INTO jobs (job_id, owner_id, job_type, provider, status, config_name, "
            + "tracker_run_name, hardware_profile, hardware_type, cost_per_second, cost_usd, estimated_cost_usd, "
            + "created_at, updated_at, started_at, completed_at, dispatched_at, external_id, host_id, error_message, "
            + "output_url, progress, config, dataloader_config, metadata, delivery, version) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        job.jobId(), job.ownerId(), job.jobType().wireName(), job.provider(), job.status().wireName(),
        job.configName(), job.trackerRunName(), job.hardwareProfile(), job.hardwareType(), job.costPerSecond(),
        job.costUsd(), job.estimatedCostUsd(), job.createdAt(), job.updatedAt(), job.startedAt(), job.completedAt(),
        job.dispatchedAt(), job.externalId(), job.hostId(), job.errorMessage(), job.outputUrl(),
        job.progress() == null ? null : job.progress().encode(), job.config().encode(),
        job.dataloaderConfig().encode(), job.metadata().encode(), job.delivery().encode(), job.version()).mapEmpty();
  }

  public Future<Optional<Job>> get(String jobId) {
    Job cached = cache.get(jobId);
    if (cached != null) {
      return Future.succeededFuture(Optional.of(cached));
    }
    long token = cache.readStarted(jobId);
    return db.query("SELECT " + ALL_COLUMNS + " FROM jobs WHERE job_id = ?", jobId).map(rows -> {
      Optional<Job> job = first(rows);
      job.ifPresent(j -> cache.put(j, token));
      return job;
    });
  }

  /** Several jobs at once, without their configs (as lists show them); missing ones are left out. */
  public Future<List<Job>> summaries(Collection<String> jobIds) {
    if (jobIds.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return db.query("SELECT " + SUMMARY_COLUMNS + " FROM jobs WHERE job_id IN (" + marks(jobIds.size()) + ")",
        jobIds.toArray()).map(JobStore::jobs);
  }

  private Future<Optional<Job>> get(SqlConnection conn, String jobId, boolean full) {
    return db.query(conn, "SELECT " + (full ? ALL_COLUMNS : SUMMARY_COLUMNS) + " FROM jobs WHERE job_id = ?", jobId)
        .map(JobStore::first);
  }

  /** A page of jobs, newest first, and the number of all jobs matching the filters. */
  public Future<JobPage> list(JobQuery query) {
    List<Object> args = new ArrayList<>();
    String where = where(query, args);
    List<Object> pageArgs = new ArrayList<>(args);
    pageArgs.add(query.limit());
    pageArgs.add(query.offset());
    Future<RowSet<Row>> page = db.query("SELECT " + SUMMARY_COLUMNS + " FROM jobs" + where
        + " ORDER BY created_at DESC, job_id DESC LIMIT ? OFFSET ?", pageArgs.toArray());
    String filter = where + " " + args;
    Long counted = cache.count(filter);
    long token = cache.readStarted();
    Future<Long> count = counted != null ? Future.succeededFuture(counted)
        : db.query("SELECT COUNT(*) FROM jobs" + where, args.toArray()).map(rows -> {
          long total = rows.iterator().next().getLong(0);
          cache.putCount(filter, total, token);
          return total;
        });
    return Future.all(page, count).map(done -> new JobPage(jobs(page.result()), count.result()));
  }

  private static String where(JobQuery q, List<Object> args) {
    List<String> clauses = new ArrayList<>();
    if (q.ownerId() != null) {
      clauses.add("owner_id = ?");
      args.add(q.ownerId());
    }
    if (q.status() != null) {
      clauses.add("status = ?");
      args.add(q.status().wireName());
    }
    if (q.provider() != null) {
      clauses.add("provider = ?");
      args.add(q.provider());
    }
    if (q.jobType() != null) {
      clauses.add("job_type = ?");
      args.add(q.jobType().wireName());
    }
    return clauses.isEmpty() ? "" : " WHERE " + String.join(" AND ", clauses);
  }

  /** Active jobs, oldest first; {@code provider} null for all providers. */
  public Future<List<Job>> active(String provider) {
    List<Object> args = new ArrayList<>(statusArgs(JobStatus.ACTIVE));
    String sql = "SELECT " + SUMMARY_COLUMNS + " FROM jobs WHERE status IN (" + marks(JobStatus.ACTIVE.size()) + ")";
    if (provider != null) {
      sql += " AND provider = ?";
      args.add(provider);
    }
    return db.query(sql + " ORDER BY created_at, job_id", args.toArray()).map(JobStore::jobs);
  }

  /**
   * Queued jobs of a provider that were not handed to it yet, in submission order; with
   * {@code hostId}, only those accepted on that host (jobs that run where their datasets are).
   */
  public Future<List<Job>> waiting(String provider, String hostId, int limit) {
    return db.query("SELECT " + ALL_COLUMNS + " FROM jobs WHERE provider = ? AND status = ? AND dispatched_at IS NULL "
            + "AND (CAST(? AS TEXT) IS NULL OR host_id IS NULL OR host_id = ?) ORDER BY created_at, job_id LIMIT ?",
        provider, JobStatus.QUEUED.wireName(), hostId, hostId, limit).map(JobStore::jobs);
  }

  /** Jobs of a provider that hold a run slot (dispatched, not finished); with {@code hostId}, on that host. */
  public Future<Long> occupyingSlots(String provider, String hostId) {
    List<Object> args = new ArrayList<>();
    args.add(provider);
    args.addAll(statusArgs(JobStatus.ACTIVE));
    args.add(hostId);
    args.add(hostId);
    return db.query("SELECT COUNT(*) FROM jobs WHERE provider = ? AND dispatched_at IS NOT NULL AND status IN ("
            + marks(JobStatus.ACTIVE.size()) + ") AND (CAST(? AS TEXT) IS NULL OR host_id = ?)", args.toArray())
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** 1-based place in the provider's queue of a job that waits for a slot. */
  public Future<Long> queuePosition(Job job) {
    return db.query("SELECT COUNT(*) FROM jobs WHERE provider = ? AND status = ? AND dispatched_at IS NULL "
            + "AND (created_at < ? OR (created_at = ? AND job_id < ?))", job.provider(), JobStatus.QUEUED.wireName(),
        job.createdAt(), job.createdAt(), job.jobId()).map(rows -> rows.iterator().next().getLong(0) + 1);
  }

  /**
   * Applies {@code update} if the job's status is one of {@code from} (all statuses when null) and,
   * for a fenced update, the job is still claimed as it says. Returns the updated job, or empty when
   * the job is missing, in another status or claimed otherwise.
   */
  public Future<Optional<Job>> update(String jobId, Collection<JobStatus> from, JobUpdate update, long now) {
    List<Object> args = new ArrayList<>();
    StringBuilder sql = new StringBuilder("UPDATE jobs SET updated_at = ?, version = version + 1");
    args.add(now);
    update.columns().forEach((column, value) -> {
      if (value instanceof JobUpdate.IfUnset keep) {
        sql.append(", ").append(column).append(" = COALESCE(").append(column).append(", ?)");
        args.add(keep.value());
      } else {
        sql.append(", ").append(column).append(" = ?");
        args.add(value);
      }
    });
    sql.append(" WHERE job_id = ?");
    args.add(jobId);
    if (from != null) {
      sql.append(" AND status IN (").append(marks(from.size())).append(")");
      args.addAll(statusArgs(from));
    }
    if (update.claim() != null) {
      sql.append(" AND host_id = ? AND dispatched_at = ?");
      args.add(update.claim().hostId());
      args.add(update.claim().dispatchedAt());
    }
    // A job reported on many times a second is read from the database once: with its row cached,
    // the update answers only the new version, and the job is the cached row with the update
    // applied, when that version says nothing else changed the row in between.
    Job before = cache.get(jobId);
    sql.append(" RETURNING ").append(before == null ? SUMMARY_COLUMNS : "version");
    invalidate(jobId);
    long token = cache.readStarted(jobId);
    return db.query(sql.toString(), args.toArray()).compose(rows -> {
      if (before == null || rows.size() == 0) {
        invalidate(jobId);
        return Future.succeededFuture(first(rows));
      }
      long version = rows.iterator().next().getLong(0);
      Job after = version == before.version() + 1 ? update.applyTo(before, now) : null;
      if (after == null) {
        invalidate(jobId);
        return get(jobId);
      }
      cache.written(after, token);
      return Future.succeededFuture(Optional.of(after));
    }).onFailure(e -> invalidate(jobId));
  }

  /** Ended jobs whose delivery is not finished (a target pending or interrupted while delivering). */
  public Future<List<String>> withOpenDeliveries() {
    return db.query("SELECT job_id FROM jobs WHERE status IN (" + marks(JobStatus.TERMINAL.size()) + ") AND "
            + "(delivery LIKE ? OR delivery LIKE ?)", concat(statusArgs(JobStatus.TERMINAL),
            "%\"status\":\"pending\"%", "%\"status\":\"delivering\"%").toArray())
        .map(rows -> {
          List<String> ids = new ArrayList<>();
          rows.forEach(r -> ids.add(r.getString(0)));
          return ids;
        });
  }

  private static List<Object> concat(List<Object> first, Object... more) {
    List<Object> all = new ArrayList<>(first);
    all.addAll(List.of(more));
    return all;
  }

  /** Marks a queued job as handed to its provider by this host; false if someone else did. */
  public Future<Optional<Job>> claimForDispatch(String jobId, String hostId, long now) {
    invalidate(jobId);
    return db.query("UPDATE jobs SET dispatched_at = ?, host_id = ?, updated_at = ?, version = version + 1 "
        + "WHERE job_id = ? AND status = ? AND dispatched_at IS NULL RETURNING " + ALL_COLUMNS, now, hostId, now, jobId,
        JobStatus.QUEUED.wireName()).map(JobStore::first).onComplete(ar -> invalidate(jobId));
  }

  /**
   * Hands a queued job to an idle worker whose stream is on {@code instanceId}, in one
   * transaction: the job is claimed (dispatched, its external id the worker's), the worker becomes
   * busy with it, and a new attempt is recorded. Empty when the job was taken or the worker is no
   * longer idle there (nothing changes); otherwise the attempt's number.
   */
  public Future<Optional<Integer>> assignToWorker(String jobId, String workerId, String workerName, String hostId,
                                                  String instanceId, long now) {
    invalidate(jobId);
    return db.transaction(conn -> db.query(conn, "UPDATE jobs SET dispatched_at = ?, host_id = ?, external_id = ?, "
            + "updated_at = ?, version = version + 1 WHERE job_id = ? AND status = ? AND dispatched_at IS NULL",
            now, hostId, workerId, now, jobId, JobStatus.QUEUED.wireName())
        .compose(job -> job.rowCount() == 0 ? Future.succeededFuture(Optional.<Integer>empty())
            : db.query(conn, "UPDATE workers SET status = 'busy', current_job_id = ?, dispatched_at = ?, "
                    + "updated_at = ? WHERE worker_id = ? AND status = 'idle' AND current_job_id IS NULL "
                    + "AND instance_id = ?", jobId, now, now, workerId, instanceId)
            .compose(worker -> worker.rowCount() == 0
                // Undone by the rollback: the job stays queued for another worker.
                ? Future.failedFuture(new WorkerTaken())
                : db.query(conn, "INSERT INTO job_attempts (job_id, attempt, worker_id, worker_name, started_at) "
                        + "SELECT ?, COALESCE(MAX(attempt), 0) + 1, ?, ?, ? FROM job_attempts WHERE job_id = ? "
                        + "RETURNING attempt", jobId, workerId, workerName, now, jobId)
                    .map(rows -> Optional.of(rows.iterator().next().getInteger(0))))))
        .recover(e -> e instanceof WorkerTaken ? Future.succeededFuture(Optional.empty()) : Future.failedFuture(e))
        .onComplete(ar -> invalidate(jobId));
  }

  /** The worker of an assignment was no longer idle: the transaction is rolled back. */
  private static final class WorkerTaken extends RuntimeException {
    WorkerTaken() {
      super(null, null, false, false);
    }
  }

  /**
   * Undoes the claim of a dispatch that never reached the provider (its instance died before the
   * create was sent), so that the job is dispatched again; only while nothing else changed it.
   */
  public Future<Boolean> releaseDispatch(String jobId, String hostId, long now) {
    invalidate(jobId);
    return db.query("UPDATE jobs SET dispatched_at = NULL, host_id = NULL, updated_at = ?, version = version + 1 "
            + "WHERE job_id = ? AND status = ? AND dispatched_at IS NOT NULL AND external_id IS NULL AND host_id = ?",
        now, jobId, JobStatus.QUEUED.wireName(), hostId).map(rows -> rows.rowCount() == 1)
        .onComplete(ar -> invalidate(jobId));
  }

  /** Deletes a job in one of {@code from}, with its logs, events, metrics and output records. */
  public Future<Boolean> delete(String jobId, Collection<JobStatus> from) {
    List<Object> args = new ArrayList<>();
    args.add(jobId);
    args.addAll(statusArgs(from));
    invalidate(jobId);
    // A deleted job's provider id is remembered, so a later sync does not import it back.
    return db.transaction(conn -> db.query(conn, "INSERT INTO settings (scope, name, value, updated_at) "
            + "SELECT ? || provider, external_id, job_id, updated_at FROM jobs WHERE job_id = ? AND external_id IS "
            + "NOT NULL AND status IN (" + marks(from.size()) + ") ON CONFLICT (scope, name) DO NOTHING",
            concat(List.of(FORGOTTEN_SCOPE, jobId), statusArgs(from).toArray()).toArray())
        .compose(v -> db.query(conn, "DELETE FROM jobs WHERE job_id = ? AND status IN ("
            + marks(from.size()) + ")", args.toArray()))
        .compose(deleted -> deleted.rowCount() == 0 ? Future.succeededFuture(false)
            : db.query(conn, "DELETE FROM job_logs WHERE job_id = ?", jobId)
                .compose(v -> db.query(conn, "DELETE FROM job_events WHERE job_id = ?", jobId))
                .compose(v -> db.query(conn, "DELETE FROM job_metrics WHERE job_id = ?", jobId))
                .compose(v -> db.query(conn, "DELETE FROM job_attempts WHERE job_id = ?", jobId))
                // The received files stay on disk (they are the user's models); only their records go.
                .compose(v -> db.query(conn, "DELETE FROM job_outputs WHERE job_id = ?", jobId))
                .compose(v -> db.query(conn, "DELETE FROM storage_upload_parts WHERE upload_id IN "
                    + "(SELECT upload_id FROM storage_uploads WHERE job_id = ?)", jobId))
                .compose(v -> db.query(conn, "DELETE FROM storage_uploads WHERE job_id = ?", jobId))
                .map(v -> true))).onComplete(ar -> invalidate(jobId));
  }

  /** Forgets idempotency keys older than their lifetime. */
  public Future<Integer> purgeIdempotencyKeys(long now) {
    return purgeIdempotencyKeys(now, IDEMPOTENCY_TTL_MS, Integer.MAX_VALUE);
  }

  /** Forgets up to {@code limit} idempotency keys older than {@code ttlMs} (retention does it in batches). */
  public Future<Integer> purgeIdempotencyKeys(long now, long ttlMs, int limit) {
    return db.query("DELETE FROM idempotency_keys WHERE (owner_id, idem_key) IN (SELECT owner_id, idem_key FROM "
        + "idempotency_keys WHERE created_at < ? LIMIT ?)", now - ttlMs, limit).map(RowSet::rowCount);
  }

  /** Jobs created since {@code since}, without snapshots: the input of metrics and cost limits. */
  public Future<List<Job>> createdSince(long since, String provider) {
    if (provider == null) {
      return db.query("SELECT " + SUMMARY_COLUMNS + " FROM jobs WHERE created_at >= ?", since).map(JobStore::jobs);
    }
    return db.query("SELECT " + SUMMARY_COLUMNS + " FROM jobs WHERE created_at >= ? AND provider = ?", since, provider)
        .map(JobStore::jobs);
  }

  /** Per day (UTC), status and type since {@code since}: counts, stored cost and run time. */
  public Future<List<DayFigures>> dailyFigures(long since, String provider) {
    String sql = "SELECT created_at / 86400000 AS day, status, job_type, COUNT(*) AS jobs, "
        + "SUM(COALESCE(cost_usd, 0)) AS cost, SUM(CASE WHEN completed_at IS NOT NULL AND started_at IS NOT NULL "
        + "THEN completed_at - started_at ELSE 0 END) AS run_ms FROM jobs WHERE created_at >= ?"
        + (provider == null ? "" : " AND provider = ?") + " GROUP BY created_at / 86400000, status, job_type";
    Object[] args = provider == null ? new Object[] {since} : new Object[] {since, provider};
    return db.query(sql, args).map(rows -> {
      List<DayFigures> out = new ArrayList<>();
      for (Row row : rows) {
        out.add(new DayFigures(row.getLong("day"), JobStatus.parse(row.getString("status")),
            JobType.parse(row.getString("job_type")), row.getLong("jobs"), orZero(row.getDouble("cost")),
            row.getLong("run_ms") == null ? 0L : row.getLong("run_ms")));
      }
      return out;
    });
  }

  /** One group of {@link #dailyFigures}. */
  public record DayFigures(long day, JobStatus status, JobType type, long jobs, double storedCost, long runMillis) {
  }

  /** The latest completed jobs of a provider on one hardware profile (null: the default). */
  public Future<List<Job>> recentCompleted(String provider, String hardwareProfile, int limit) {
    String hw = hardwareProfile == null ? "hardware_profile IS NULL" : "hardware_profile = ?";
    Object[] args = hardwareProfile == null ? new Object[] {provider, JobStatus.COMPLETED.wireName(), limit}
        : new Object[] {provider, JobStatus.COMPLETED.wireName(), hardwareProfile, limit};
    return db.query("SELECT " + SUMMARY_COLUMNS + " FROM jobs WHERE provider = ? AND status = ? AND " + hw
        + " AND started_at IS NOT NULL AND completed_at IS NOT NULL ORDER BY completed_at DESC LIMIT ?", args)
        .map(JobStore::jobs);
  }

  /** Finds a job by the provider's id for it (webhooks carry only that). */
  public Future<Optional<Job>> byExternalId(String provider, String externalId) {
    return db.query("SELECT " + SUMMARY_COLUMNS + " FROM jobs WHERE provider = ? AND external_id = ?", provider,
        externalId).map(JobStore::first);
  }

  /** Gives the jobs made before accounts existed (owner "local") to the first admin. */
  public Future<Integer> adoptLocalJobs(String ownerId) {
    return db.query("UPDATE jobs SET owner_id = ? WHERE owner_id = 'local'", ownerId).map(RowSet::rowCount)
        .compose(n -> db.query("UPDATE configs SET owner_id = ? WHERE owner_id = 'local'", ownerId).map(x -> n))
        .onComplete(ar -> cache.clear());
  }

  /** Active jobs of one owner (for per-user quotas). */
  /**
   * The queue as a whole: jobs by status, active jobs by owner, and the mean wait from submission
   * to start of the jobs that started since {@code since} (null when none did).
   */
  public record QueueFigures(Map<String, Long> byStatus, Map<String, Long> activeByOwner, Double avgWaitSeconds) {
  }

  public Future<QueueFigures> queueFigures(long since) {
    Map<String, Long> byStatus = new java.util.TreeMap<>();
    Map<String, Long> byOwner = new java.util.TreeMap<>();
    return db.query("SELECT status, COUNT(*) FROM jobs GROUP BY status")
        .compose(rows -> {
          rows.forEach(r -> byStatus.put(r.getString(0), r.getLong(1)));
          return db.query("SELECT owner_id, COUNT(*) FROM jobs WHERE status IN (" + marks(JobStatus.ACTIVE.size())
              + ") GROUP BY owner_id", statusArgs(JobStatus.ACTIVE).toArray());
        })
        .compose(rows -> {
          rows.forEach(r -> byOwner.put(String.valueOf(r.getString(0)), r.getLong(1)));
          return db.query("SELECT AVG(started_at - created_at) FROM jobs WHERE started_at IS NOT NULL AND "
              + "started_at >= ?", since);
        })
        .map(rows -> {
          Number avg = (Number) rows.iterator().next().getValue(0);
          return new QueueFigures(byStatus, byOwner, avg == null ? null : avg.doubleValue() / 1000.0);
        });
  }

  public Future<Long> countActive(String ownerId) {
    List<Object> args = new ArrayList<>();
    args.add(ownerId);
    args.addAll(statusArgs(JobStatus.ACTIVE));
    return db.query("SELECT COUNT(*) FROM jobs WHERE owner_id = ? AND status IN (" + marks(JobStatus.ACTIVE.size())
        + ")", args.toArray()).map(rows -> rows.iterator().next().getLong(0));
  }

  /** Stored cost of an owner's jobs created since {@code since}, and their active jobs' live cost. */
  public Future<List<Job>> ownedSince(String ownerId, long since) {
    return db.query("SELECT " + SUMMARY_COLUMNS + " FROM jobs WHERE owner_id = ? AND created_at >= ?", ownerId, since)
        .map(JobStore::jobs);
  }

  public Future<Void> ping() {
    return db.query("SELECT 1").mapEmpty();
  }

  private static String marks(int n) {
    return String.join(", ", Collections.nCopies(n, "?"));
  }

  private static List<Object> statusArgs(Collection<JobStatus> statuses) {
    return statuses.stream().map(JobStatus::wireName).collect(Collectors.toList());
  }

  private static Optional<Job> first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? Optional.of(job(it.next())) : Optional.empty();
  }

  private static List<Job> jobs(RowSet<Row> rows) {
    List<Job> out = new ArrayList<>(rows.size());
    for (Row row : rows) {
      out.add(job(row));
    }
    return out;
  }

  private static Job job(Row row) {
    boolean full = row.getColumnIndex("config") >= 0;
    return new Job(
        row.getString("job_id"), row.getString("owner_id"), JobType.parse(row.getString("job_type")),
        row.getString("provider"), JobStatus.parse(row.getString("status")), row.getString("config_name"),
        row.getString("tracker_run_name"), row.getString("hardware_profile"), row.getString("hardware_type"),
        orZero(row.getDouble("cost_per_second")), row.getDouble("cost_usd"), row.getDouble("estimated_cost_usd"),
        row.getLong("created_at"), row.getLong("updated_at"), row.getLong("started_at"), row.getLong("completed_at"),
        row.getLong("dispatched_at"), row.getString("external_id"), row.getString("host_id"),
        row.getString("error_message"), row.getString("output_url"), object(row.getString("progress")),
        full ? object(row.getString("config")) : new JsonObject(),
        full ? array(row.getString("dataloader_config")) : new JsonArray(),
        object(row.getString("metadata")), array(row.getString("delivery")), row.getLong("version"));
  }

  private static double orZero(Double d) {
    return d == null ? 0.0 : d;
  }

  private static JsonObject object(String text) {
    return text == null ? null : new JsonObject(text);
  }

  private static JsonArray array(String text) {
    return text == null ? new JsonArray() : new JsonArray(text);
  }
}

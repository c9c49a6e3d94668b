package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Self-hosted workers: their tokens (as hashes, found by hash through a unique index), what they
 * reported, and the job each one runs. Handing a job to a worker is {@link JobStore#assignToWorker},
 * which changes the job and the worker in one transaction.
 */
public final class WorkerStore {
  static final String COLUMNS = "worker_id, name, worker_type, status, token_hash, owner_id, labels, gpu_info, "
      + "current_job_id, dispatched_at, last_heartbeat, connected_at, instance_id, base_url, created_at, updated_at";
  private final Db db;

  WorkerStore(Db db) {
    this.db = db;
  }

  /**
   * One worker. {@code status} is one of connecting, idle, busy, draining, offline;
   * {@code instanceId} is the server instance holding its event stream (null while it has none).
   */
  public record Worker(String workerId, String name, String workerType, String status, String tokenHash,
                       String ownerId, JsonObject labels, JsonObject gpuInfo, String currentJobId, Long dispatchedAt,
                       Long lastHeartbeat, Long connectedAt, String instanceId, String baseUrl, long createdAt,
                       long updatedAt) {
    public boolean persistent() {
      return "persistent".equals(workerType);
    }
  }

  public Future<Void> create(Worker w) {
    return db.query("INSERT INTO workers (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, "
            + "NULL, NULL, ?, ?)", w.workerId(), w.name(), w.workerType(), w.status(), w.tokenHash(), w.ownerId(),
        w.labels().encode(), w.gpuInfo().encode(), w.createdAt(), w.updatedAt()).mapEmpty();
  }

  public Future<Optional<Worker>> get(String workerId) {
    return db.query("SELECT " + COLUMNS + " FROM workers WHERE worker_id = ?", workerId).map(WorkerStore::first);
  }

  public Future<Optional<Worker>> byTokenHash(String hash) {
    return db.query("SELECT " + COLUMNS + " FROM workers WHERE token_hash = ?", hash).map(WorkerStore::first);
  }

  public Future<List<Worker>> list() {
    return db.query("SELECT " + COLUMNS + " FROM workers ORDER BY created_at, worker_id").map(WorkerStore::all);
  }

  /** Workers with an event stream on {@code instanceId} that wait for a job. */
  public Future<List<Worker>> idleOn(String instanceId) {
    return db.query("SELECT " + COLUMNS + " FROM workers WHERE instance_id = ? AND status = 'idle' "
        + "AND current_job_id IS NULL ORDER BY last_heartbeat, worker_id", instanceId).map(WorkerStore::all);
  }

  /** Workers not yet marked offline whose last heartbeat is older than {@code before}. */
  public Future<List<Worker>> silentSince(long before) {
    return db.query("SELECT " + COLUMNS + " FROM workers WHERE status IN ('idle', 'busy', 'draining') "
        + "AND (last_heartbeat IS NULL OR last_heartbeat < ?)", before).map(WorkerStore::all);
  }

  public Future<Boolean> delete(String workerId) {
    return db.query("DELETE FROM workers WHERE worker_id = ?", workerId).map(rows -> rows.rowCount() == 1);
  }

  public Future<Optional<Worker>> rotateToken(String workerId, String hash, long now) {
    return db.query("UPDATE workers SET token_hash = ?, updated_at = ? WHERE worker_id = ? RETURNING " + COLUMNS,
        hash, now, workerId).map(WorkerStore::first);
  }

  /**
   * Records a registration: what the agent reported and where its stream will be. A draining
   * worker stays draining; one that holds a job is busy; any other is idle.
   */
  public Future<Optional<Worker>> register(String workerId, String name, String workerType, JsonObject gpuInfo,
                                           String instanceId, String baseUrl, long now) {
    return db.query("UPDATE workers SET name = ?, worker_type = ?, gpu_info = ?, instance_id = ?, base_url = ?, "
            + "connected_at = ?, last_heartbeat = ?, updated_at = ?, status = CASE WHEN status = 'draining' "
            + "THEN 'draining' WHEN current_job_id IS NOT NULL THEN 'busy' ELSE 'idle' END WHERE worker_id = ? "
            + "RETURNING " + COLUMNS, name, workerType, gpuInfo.encode(), instanceId, baseUrl, now, now, now, workerId)
        .map(WorkerStore::first);
  }

  /** The worker's event stream is on {@code instanceId} now. */
  public Future<Void> streamOpened(String workerId, String instanceId, long now) {
    return db.query("UPDATE workers SET instance_id = ?, last_heartbeat = ?, updated_at = ? WHERE worker_id = ?",
        instanceId, now, now, workerId).mapEmpty();
  }

  /** The worker's stream on {@code instanceId} ended (a newer one elsewhere is left alone). */
  public Future<Void> streamClosed(String workerId, String instanceId, long now) {
    return db.query("UPDATE workers SET instance_id = NULL, updated_at = ? WHERE worker_id = ? AND instance_id = ?",
        now, workerId, instanceId).mapEmpty();
  }

  /** A heartbeat: a worker marked offline that speaks again is back (idle, or busy with a job). */
  public Future<Optional<Worker>> heartbeat(String workerId, long now) {
    return db.query("UPDATE workers SET last_heartbeat = ?, updated_at = ?, status = CASE WHEN status = 'offline' "
            + "THEN CASE WHEN current_job_id IS NULL THEN 'idle' ELSE 'busy' END ELSE status END WHERE worker_id = ? "
            + "RETURNING " + COLUMNS, now, now, workerId).map(WorkerStore::first);
  }

  /**
   * Gives a one-job worker (see {@code fleet.WorkerPasses}) the job it was made for, in one
   * transaction: the worker becomes busy with it (if it is still idle with its stream on
   * {@code instanceId}) and a new attempt is recorded. The job itself is left as it is: its
   * provider started the worker and keeps its own id for it. Empty when the worker was not idle.
   */
  public Future<Optional<Integer>> bind(String workerId, String workerName, String jobId, String instanceId, long now) {
    return db.transaction(conn -> db.query(conn, "UPDATE workers SET status = 'busy', current_job_id = ?, "
            + "dispatched_at = ?, updated_at = ? WHERE worker_id = ? AND status = 'idle' AND current_job_id IS NULL "
            + "AND instance_id = ?", jobId, now, now, workerId, instanceId)
        .compose(worker -> worker.rowCount() == 0 ? Future.succeededFuture(Optional.<Integer>empty())
            : db.query(conn, "INSERT INTO job_attempts (job_id, attempt, worker_id, worker_name, started_at) "
                    + "SELECT ?, COALESCE(MAX(attempt), 0) + 1, ?, ?, ? FROM job_attempts WHERE job_id = ? "
                    + "RETURNING attempt", jobId, workerId, workerName, now, jobId)
                .map(rows -> Optional.of(rows.iterator().next().getInteger(0)))));
  }

  /** Frees a worker from {@code jobId} (a draining worker stays draining). False if it held another job. */
  public Future<Boolean> release(String workerId, String jobId, long now) {
    return db.query("UPDATE workers SET current_job_id = NULL, dispatched_at = NULL, updated_at = ?, status = CASE "
            + "WHEN status IN ('draining', 'offline') THEN status ELSE 'idle' END WHERE worker_id = ? "
            + "AND current_job_id = ?", now, workerId, jobId).map(rows -> rows.rowCount() == 1);
  }

  /** Frees whichever worker holds {@code jobId}; the worker's id, if one did. */
  public Future<Optional<String>> releaseJob(String jobId, long now) {
    return db.query("UPDATE workers SET current_job_id = NULL, dispatched_at = NULL, updated_at = ?, status = CASE "
            + "WHEN status IN ('draining', 'offline') THEN status ELSE 'idle' END WHERE current_job_id = ? "
            + "RETURNING worker_id", now, jobId)
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString(0)));
  }

  public Future<Optional<Worker>> setStatus(String workerId, String status, long now) {
    return db.query("UPDATE workers SET status = ?, updated_at = ? WHERE worker_id = ? RETURNING " + COLUMNS,
        status, now, workerId).map(WorkerStore::first);
  }

  /**
   * Marks a silent worker offline, if it is still as silent as when it was found (a heartbeat in
   * between keeps it), and drops its stream. Returns it as it was, with the job it held.
   */
  public Future<Optional<Worker>> markOffline(Worker silent, long now) {
    String sql = "UPDATE workers SET status = 'offline', instance_id = NULL, updated_at = ? WHERE worker_id = ? "
        + "AND status <> 'offline' AND " + (silent.lastHeartbeat() == null ? "last_heartbeat IS NULL"
        : "last_heartbeat = ?") + " RETURNING " + COLUMNS;
    Object[] args = silent.lastHeartbeat() == null ? new Object[] {now, silent.workerId()}
        : new Object[] {now, silent.workerId(), silent.lastHeartbeat()};
    return db.query(sql, args).map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(silent));
  }

  /** The worker said goodbye: offline, without a stream. */
  public Future<Optional<Worker>> disconnect(String workerId, long now) {
    return db.query("UPDATE workers SET status = 'offline', instance_id = NULL, updated_at = ? WHERE worker_id = ? "
        + "RETURNING " + COLUMNS, now, workerId).map(WorkerStore::first);
  }

  static Optional<Worker> first(RowSet<Row> rows) {
    List<Worker> all = all(rows);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
  }

  static List<Worker> all(RowSet<Row> rows) {
    List<Worker> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(new Worker(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4),
          r.getString(5), new JsonObject(r.getString(6)), new JsonObject(r.getString(7)), r.getString(8),
          r.getLong(9), r.getLong(10), r.getLong(11), r.getString(12), r.getString(13), r.getLong(14),
          r.getLong(15)));
    }
    return out;
  }
}

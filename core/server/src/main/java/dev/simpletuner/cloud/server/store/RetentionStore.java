package dev.simpletuner.cloud.server.store;

import dev.simpletuner.cloud.server.job.JobStatus;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What retention removes, one bounded batch per call so that no transaction holds the database
 * for long: finished jobs with everything recorded about them, and the oldest audit entries with
 * an anchor that keeps the rest of the chain verifiable.
 */
public final class RetentionStore {
  /** Tables keyed by job id that go with a purged job (its row goes last). */
  private static final List<String> JOB_TABLES = List.of("job_logs", "job_events", "job_metrics", "job_attempts",
      "job_artifacts", "job_outputs", "storage_uploads", "approval_requests", "idempotency_keys");
  private static final long PG_AUDIT_LOCK_KEY = 0x5354415544L; // AuditStore's: appends and purges take turns

  private final Db db;
  private final JobStore jobs;

  RetentionStore(Db db, JobStore jobs) {
    this.db = db;
    this.jobs = jobs;
  }

  /** A batch of candidates: the finished jobs among them, and where the next batch starts. */
  public record Batch(List<String> finished, int scanned, long lastCompletedAt) {
  }

  /**
   * Up to {@code limit} jobs that ended before {@code cutoff} and after {@code after}, oldest
   * first, by the completion time alone (its index: with the status in the condition, SQLite picks
   * the status index and sorts every finished job for each batch); the finished ones are kept.
   */
  public Future<Batch> endedBefore(long cutoff, long after, int limit) {
    return db.query("SELECT job_id, status, completed_at FROM jobs WHERE completed_at < ? AND completed_at >= ? "
        + "ORDER BY completed_at LIMIT ?", cutoff, after, limit).map(rows -> {
          List<String> ids = new ArrayList<>();
          long last = after;
          int scanned = 0;
          for (Row r : rows) {
            scanned++;
            last = r.getLong(2);
            if (JobStatus.parse(r.getString(1)).isTerminal()) {
              ids.add(r.getString(0));
            }
          }
          return new Batch(ids, scanned, last);
        });
  }

  /** The files of these jobs' objects kept away from their natural place ({@code .objects/...}). */
  public Future<List<String>> placedFiles(List<String> jobIds) {
    return column("SELECT file_path FROM job_outputs WHERE file_path IS NOT NULL AND job_id IN ", jobIds);
  }

  /** The ids of the multipart uploads these jobs left (their parts are files to remove). */
  public Future<List<String>> uploadIds(List<String> jobIds) {
    return column("SELECT upload_id FROM storage_uploads WHERE job_id IN ", jobIds);
  }

  /**
   * Up to {@code limit} multipart uploads completed before {@code cutoff}, oldest first: their rows
   * only answered retried completes, and their part folders should be gone already.
   */
  public Future<List<String>> completedUploadsBefore(long cutoff, int limit) {
    return db.query("SELECT upload_id FROM storage_uploads WHERE completed_at < ? ORDER BY completed_at LIMIT ?",
        cutoff, limit).map(RetentionStore::firstColumn);
  }

  /** Deletes these completed uploads (an upload in progress stays) with any part rows left; answers how many went. */
  public Future<Integer> purgeCompletedUploads(List<String> uploadIds) {
    if (uploadIds.isEmpty()) {
      return Future.succeededFuture(0);
    }
    String in = "(" + String.join(", ", Collections.nCopies(uploadIds.size(), "?")) + ")";
    Object[] args = uploadIds.toArray();
    return db.transaction(conn -> db.query(conn, "DELETE FROM storage_upload_parts WHERE upload_id IN (SELECT "
            + "upload_id FROM storage_uploads WHERE completed_at IS NOT NULL AND upload_id IN " + in + ")", args)
        .compose(v -> db.query(conn, "DELETE FROM storage_uploads WHERE completed_at IS NOT NULL AND upload_id IN "
            + in, args))
        .map(RowSet::rowCount));
  }

  /** The one column {@code select} reads for these jobs ({@code select} ends with "IN "). */
  private Future<List<String>> column(String select, List<String> jobIds) {
    if (jobIds.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return db.query(select + "(" + String.join(", ", Collections.nCopies(jobIds.size(), "?")) + ")", jobIds.toArray())
        .map(RetentionStore::firstColumn);
  }

  private static List<String> firstColumn(RowSet<Row> rows) {
    List<String> values = new ArrayList<>();
    rows.forEach(r -> values.add(r.getString(0)));
    return values;
  }

  /**
   * Deletes these jobs (only those still finished) and their rows in every job table, in one
   * transaction; a deleted job's provider id is remembered as {@link JobStore#delete} does, so a
   * later sync does not import it back. Answers how many jobs went.
   */
  public Future<Integer> purgeJobs(List<String> jobIds) {
    if (jobIds.isEmpty()) {
      return Future.succeededFuture(0);
    }
    String in = "(" + String.join(", ", Collections.nCopies(jobIds.size(), "?")) + ")";
    List<Object> finished = new ArrayList<>(jobIds);
    JobStatus.TERMINAL.forEach(s -> finished.add(s.wireName()));
    String ended = " AND status IN (?, ?, ?)";
    return db.transaction(conn -> db.query(conn, "SELECT job_id FROM jobs WHERE job_id IN " + in + ended,
            finished.toArray())
        .compose(rows -> {
          List<Object> ids = new ArrayList<>();
          rows.forEach(r -> ids.add(r.getString(0)));
          if (ids.isEmpty()) {
            return Future.succeededFuture(0);
          }
          String these = "(" + String.join(", ", Collections.nCopies(ids.size(), "?")) + ")";
          Object[] args = ids.toArray();
          Future<RowSet<Row>> chain = db.query(conn, "INSERT INTO settings (scope, name, value, updated_at) "
              + "SELECT ? || provider, external_id, job_id, updated_at FROM jobs WHERE external_id IS NOT NULL AND "
              + "job_id IN " + these + " ON CONFLICT (scope, name) DO NOTHING", prepend(JobStore.FORGOTTEN_SCOPE, args))
              .compose(v -> db.query(conn, "DELETE FROM storage_upload_parts WHERE upload_id IN (SELECT upload_id "
                  + "FROM storage_uploads WHERE job_id IN " + these + ")", args));
          for (String table : JOB_TABLES) {
            chain = chain.compose(v -> db.query(conn, "DELETE FROM " + table + " WHERE job_id IN " + these, args));
          }
          return chain.compose(v -> db.query(conn, "DELETE FROM jobs WHERE job_id IN " + these, args))
              .map(RowSet::rowCount);
        }))
        .onComplete(ar -> jobIds.forEach(jobs::invalidate));
  }

  /**
   * Deletes up to {@code limit} of the oldest audit entries written before {@code cutoff}, always a
   * prefix of the chain (it stops at the first younger entry), and moves the anchor to the last one
   * deleted, in one transaction. Answers how many went.
   */
  public Future<Integer> purgeAudit(long cutoff, int limit, long now) {
    return db.transaction(conn -> lockAudit(conn)
        .compose(v -> db.query(conn, "SELECT id, created_at, entry_hash FROM audit_log ORDER BY id LIMIT ?", limit))
        .compose(rows -> {
          long lastId = -1;
          String lastHash = null;
          int count = 0;
          for (Row r : rows) {
            if (r.getLong(1) >= cutoff) {
              break;
            }
            lastId = r.getLong(0);
            lastHash = r.getString(2);
            count++;
          }
          if (count == 0) {
            return Future.succeededFuture(0);
          }
          int purged = count;
          long upTo = lastId;
          String hash = lastHash;
          return db.query(conn, "DELETE FROM audit_log WHERE id <= ?", upTo)
              .compose(v -> db.query(conn, "INSERT INTO audit_anchor (id, last_id, last_hash, purged, updated_at) "
                  + "VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id, "
                  + "last_hash = excluded.last_hash, purged = audit_anchor.purged + excluded.purged, "
                  + "updated_at = excluded.updated_at", upTo, hash, (long) purged, now))
              .map(v -> purged);
        }));
  }

  private Future<Void> lockAudit(SqlConnection conn) {
    if (db.dialect() != Dialect.POSTGRES) {
      return Future.succeededFuture();
    }
    return db.query(conn, "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(?)) AS l", PG_AUDIT_LOCK_KEY)
        .mapEmpty();
  }

  private static Object[] prepend(Object first, Object[] rest) {
    Object[] all = new Object[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }
}

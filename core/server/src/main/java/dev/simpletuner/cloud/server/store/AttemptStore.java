package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;

/** The attempts of worker jobs: each hand-over to a worker, how it ended and why. */
public final class AttemptStore {
  private final Db db;

  AttemptStore(Db db) {
    this.db = db;
  }

  /** @param outcome completed, failed, cancelled or requeued; null while the attempt runs */
  public record Attempt(String jobId, int attempt, String workerId, String workerName, long startedAt, Long endedAt,
                        String outcome, String reason) {
  }

  public Future<List<Attempt>> of(String jobId) {
    return db.query("SELECT job_id, attempt, worker_id, worker_name, started_at, ended_at, outcome, reason "
        + "FROM job_attempts WHERE job_id = ? ORDER BY attempt", jobId).map(rows -> {
          List<Attempt> out = new ArrayList<>();
          for (Row r : rows) {
            out.add(new Attempt(r.getString(0), r.getInteger(1), r.getString(2), r.getString(3), r.getLong(4),
                r.getLong(5), r.getString(6), r.getString(7)));
          }
          return out;
        });
  }

  /** Ends the job's open attempt on {@code workerId}; false when there is none. */
  public Future<Boolean> end(String jobId, String workerId, String outcome, String reason, long now) {
    return db.query("UPDATE job_attempts SET ended_at = ?, outcome = ?, reason = ? WHERE job_id = ? AND worker_id = ? "
        + "AND ended_at IS NULL", now, outcome, reason, jobId, workerId).map(rows -> rows.rowCount() > 0);
  }
}

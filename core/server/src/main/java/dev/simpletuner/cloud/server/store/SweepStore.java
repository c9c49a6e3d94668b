package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Sweeps and their runs. A sweep with an idempotency key is made once per owner and key (a unique
 * index, not a check first); its runs are written with it, in one transaction.
 */
public final class SweepStore {
  private static final String COLUMNS = "sweep_id, owner_id, name, provider, base, max_concurrent, "
      + "continue_on_error, metric, status, idem_key, request_hash, created_at, updated_at, key_id";
  private static final String RUN_COLUMNS = "sweep_id, run_index, overrides, status, job_id, error, submitted_at";
  /** Sweeps still submitting or waiting for their jobs. */
  public static final String RUNNING = "running";
  /** A run still to be submitted. */
  public static final String WAITING = "waiting";
  public static final String SUBMITTED = "submitted";
  /** A run whose submission was refused (its error says why). */
  public static final String SUBMIT_FAILED = "submit_failed";
  /** A run left out because an earlier one failed and the sweep does not continue on errors. */
  public static final String SKIPPED = "skipped";

  private final Db db;

  SweepStore(Db db) {
    this.db = db;
  }

  /**
   * @param base  the base config as pinned when the sweep was made
   * @param keyId the API key the sweep was made with, whose scopes bound its runs; null for none
   */
  public record Sweep(String sweepId, String ownerId, String name, String provider, JsonObject base, int maxConcurrent,
                      boolean continueOnError, String metric, String status, String idempotencyKey,
                      String requestHash, long createdAt, long updatedAt, String keyId) {
  }

  /** One run: its overrides, and the job it became once submitted. */
  public record Run(String sweepId, int index, JsonObject overrides, String status, String jobId, String error,
                    Long submittedAt) {
  }

  /** What {@link #create} found: the sweep (made now, or the one the key made before). */
  public record Created(Sweep sweep, boolean hit) {
  }

  /** Stores the sweep with its runs, or answers the sweep its owner's idempotency key already made. */
  public Future<Created> create(Sweep s, List<JsonObject> runs) {
    return db.transaction(conn -> db.query(conn, "INSERT INTO sweeps (" + COLUMNS + ") VALUES "
            + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner_id, idem_key) DO NOTHING", s.sweepId(),
            s.ownerId(), s.name(), s.provider(), s.base().encode(), s.maxConcurrent(), s.continueOnError() ? 1 : 0,
            s.metric(), s.status(), s.idempotencyKey(), s.requestHash(), s.createdAt(), s.updatedAt(), s.keyId())
        .compose(inserted -> {
          if (inserted.rowCount() == 0) {
            return db.query(conn, "SELECT " + COLUMNS + " FROM sweeps WHERE owner_id = ? AND idem_key = ?",
                s.ownerId(), s.idempotencyKey()).map(rows -> new Created(sweeps(rows).get(0), true));
          }
          Future<Void> chain = Future.succeededFuture();
          for (int i = 0; i < runs.size(); i++) {
            int index = i;
            chain = chain.compose(v -> db.query(conn, "INSERT INTO sweep_runs (" + RUN_COLUMNS + ") VALUES "
                + "(?, ?, ?, ?, NULL, NULL, NULL)", s.sweepId(), index, runs.get(index).encode(), WAITING).mapEmpty());
          }
          return chain.map(new Created(s, false));
        }));
  }

  public Future<Optional<Sweep>> get(String sweepId) {
    return db.query("SELECT " + COLUMNS + " FROM sweeps WHERE sweep_id = ?", sweepId)
        .map(rows -> sweeps(rows).stream().findFirst());
  }

  /** A page of sweeps, newest first, and how many there are in all. */
  public record Page(List<Sweep> sweeps, long total) {
  }

  /** @param ownerId only this owner's sweeps, or null for everyone's */
  public Future<Page> list(String ownerId, int limit, int offset) {
    String where = ownerId == null ? "" : " WHERE owner_id = ?";
    Object[] filter = ownerId == null ? new Object[0] : new Object[] {ownerId};
    Object[] paged = ownerId == null ? new Object[] {limit, offset} : new Object[] {ownerId, limit, offset};
    return db.query("SELECT COUNT(*) FROM sweeps" + where, filter)
        .compose(count -> db.query("SELECT " + COLUMNS + " FROM sweeps" + where
                + " ORDER BY created_at DESC, sweep_id LIMIT ? OFFSET ?", paged)
            .map(rows -> new Page(sweeps(rows), count.iterator().next().getLong(0))));
  }

  /** The ids of sweeps still running, oldest first. */
  public Future<List<String>> running() {
    return db.query("SELECT sweep_id FROM sweeps WHERE status = ? ORDER BY created_at", RUNNING).map(rows -> {
      List<String> out = new ArrayList<>();
      rows.forEach(r -> out.add(r.getString(0)));
      return out;
    });
  }

  public Future<List<Run>> runs(String sweepId) {
    return db.query("SELECT " + RUN_COLUMNS + " FROM sweep_runs WHERE sweep_id = ? ORDER BY run_index", sweepId)
        .map(rows -> {
          List<Run> out = new ArrayList<>();
          for (Row row : rows) {
            out.add(new Run(row.getString("sweep_id"), row.getInteger("run_index"),
                new JsonObject(row.getString("overrides")), row.getString("status"), row.getString("job_id"),
                row.getString("error"), row.getLong("submitted_at")));
          }
          return out;
        });
  }

  /**
   * Marks a waiting run submitted as {@code jobId}, or refused with {@code error} (jobId null). A
   * job made while the sweep was being stopped is still written down (its run was just skipped).
   */
  public Future<Void> runSubmitted(String sweepId, int index, String jobId, String error, long now) {
    return db.query("UPDATE sweep_runs SET status = ?, job_id = ?, error = ?, submitted_at = ? "
            + "WHERE sweep_id = ? AND run_index = ? AND status IN (?, ?)", jobId != null ? SUBMITTED : SUBMIT_FAILED,
            jobId, error, now, sweepId, index, WAITING, jobId != null ? SKIPPED : WAITING)
        .mapEmpty();
  }

  /** Leaves out the runs still waiting. */
  public Future<Void> skipWaiting(String sweepId) {
    return db.query("UPDATE sweep_runs SET status = ? WHERE sweep_id = ? AND status = ?", SKIPPED, sweepId, WAITING)
        .mapEmpty();
  }

  public Future<Void> finish(String sweepId, String status, long now) {
    return db.query("UPDATE sweeps SET status = ?, updated_at = ? WHERE sweep_id = ? AND status = ?", status, now,
        sweepId, RUNNING).mapEmpty();
  }

  private static List<Sweep> sweeps(RowSet<Row> rows) {
    List<Sweep> out = new ArrayList<>();
    for (Row row : rows) {
      out.add(new Sweep(row.getString("sweep_id"), row.getString("owner_id"), row.getString("name"),
          row.getString("provider"), new JsonObject(row.getString("base")), row.getInteger("max_concurrent"),
          row.getInteger("continue_on_error") != 0, row.getString("metric"), row.getString("status"),
          row.getString("idem_key"), row.getString("request_hash"), row.getLong("created_at"),
          row.getLong("updated_at"), row.getString("key_id")));
    }
    return out;
  }
}

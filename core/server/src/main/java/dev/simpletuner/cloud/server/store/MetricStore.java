package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;

/** Training metrics per step (loss, learning rate), for charts. One point per step; the first wins. */
public final class MetricStore {
  private static final int MAX_POINTS = 2000;
  private final Db db;

  MetricStore(Db db) {
    this.db = db;
  }

  public Future<Void> record(String jobId, long step, Double loss, Double learningRate, long now) {
    return db.query("INSERT INTO job_metrics (job_id, step, loss, learning_rate, created_at) VALUES (?, ?, ?, ?, ?) "
        + "ON CONFLICT (job_id, step) DO NOTHING", jobId, step, loss, learningRate, now).mapEmpty();
  }

  /** One step's point. */
  public record Point(long step, Double loss, Double learningRate) {
  }

  /** Several points of one job in one batch. */
  public Future<Void> recordAll(String jobId, List<Point> points, long now) {
    if (points.isEmpty()) {
      return Future.succeededFuture();
    }
    List<io.vertx.sqlclient.Tuple> rows = new ArrayList<>(points.size());
    for (Point p : points) {
      rows.add(io.vertx.sqlclient.Tuple.of(jobId, p.step(), p.loss(), p.learningRate(), now));
    }
    return db.batch("INSERT INTO job_metrics (job_id, step, loss, learning_rate, created_at) VALUES (?, ?, ?, ?, ?) "
        + "ON CONFLICT (job_id, step) DO NOTHING", rows).mapEmpty();
  }

  /** The job's points, thinned evenly to at most {@value #MAX_POINTS} (the last point always kept). */
  public Future<JsonArray> series(String jobId) {
    return db.query("SELECT step, loss, learning_rate FROM job_metrics WHERE job_id = ? ORDER BY step", jobId)
        .map(rows -> {
          List<JsonObject> points = new ArrayList<>();
          for (Row r : rows) {
            points.add(new JsonObject().put("step", r.getLong(0)).put("loss", r.getDouble(1))
                .put("learning_rate", r.getDouble(2)));
          }
          JsonArray out = new JsonArray();
          int every = Math.max(1, (points.size() + MAX_POINTS - 1) / MAX_POINTS);
          for (int i = 0; i < points.size(); i++) {
            if (i % every == 0 || i == points.size() - 1) {
              out.add(points.get(i));
            }
          }
          return out;
        });
  }

  public Future<Void> delete(String jobId) {
    return db.query("DELETE FROM job_metrics WHERE job_id = ?", jobId).mapEmpty();
  }
}

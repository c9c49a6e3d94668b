package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;

/** The timeline of each job: status changes, stages, checkpoints, provider notes. */
public final class EventStore {
  private final Db db;

  EventStore(Db db) {
    this.db = db;
  }

  /** One timeline entry. */
  public record Event(long id, String jobId, long createdAt, String type, JsonObject data) {
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("job_id", jobId)
          .put("created_at", java.time.Instant.ofEpochMilli(createdAt).toString()).put("type", type).put("data", data);
    }
  }

  public Future<Void> add(String jobId, String type, JsonObject data, long now) {
    return db.query("INSERT INTO job_events (job_id, created_at, type, data) VALUES (?, ?, ?, ?)", jobId, now, type,
        data.encode()).mapEmpty();
  }

  public Future<List<Event>> list(String jobId, long afterId, int limit) {
    return db.query("SELECT id, job_id, created_at, type, data FROM job_events WHERE job_id = ? AND id > ? "
        + "ORDER BY id LIMIT ?", jobId, afterId, limit).map(EventStore::events);
  }

  /** Every job's entries after {@code afterId}, in the order they were written (for notifications). */
  public Future<List<Event>> after(long afterId, int limit) {
    return db.query("SELECT id, job_id, created_at, type, data FROM job_events WHERE id > ? ORDER BY id LIMIT ?",
        afterId, limit).map(EventStore::events);
  }

  private static List<Event> events(io.vertx.sqlclient.RowSet<Row> rows) {
    List<Event> out = new ArrayList<>();
    for (Row row : rows) {
      out.add(new Event(row.getLong(0), row.getString(1), row.getLong(2), row.getString(3),
          new JsonObject(row.getString(4))));
    }
    return out;
  }
}

package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;

/**
 * Events of the server rather than of a job (a worker went offline, the audit chain failed
 * verification), for notifications. Each occurrence is one row however often it is found: its
 * dedupe key is unique.
 */
public final class ServerEventStore {
  private final Db db;

  ServerEventStore(Db db) {
    this.db = db;
  }

  /** One event; {@code type} is a notification event id such as {@code system.worker_offline}. */
  public record ServerEvent(long id, String dedupeKey, String type, JsonObject data, long createdAt) {
  }

  /** Records the event unless one with this key was recorded before; true when it is new. */
  public Future<Boolean> record(String dedupeKey, String type, JsonObject data, long now) {
    return db.query("INSERT INTO server_events (dedupe_key, event_type, data, created_at) VALUES (?, ?, ?, ?) "
        + "ON CONFLICT (dedupe_key) DO NOTHING", dedupeKey, type, data.encode(), now).map(rows -> rows.rowCount() == 1);
  }

  /** The events after {@code afterId}, in the order they were written. */
  public Future<List<ServerEvent>> after(long afterId, int limit) {
    return db.query("SELECT id, dedupe_key, event_type, data, created_at FROM server_events WHERE id > ? "
        + "ORDER BY id LIMIT ?", afterId, limit).map(rows -> {
          List<ServerEvent> out = new ArrayList<>();
          for (Row r : rows) {
            out.add(new ServerEvent(r.getLong(0), r.getString(1), r.getString(2), new JsonObject(r.getString(3)),
                r.getLong(4)));
          }
          return out;
        });
  }

  /**
   * Removes up to {@code limit} events older than {@code cutoff} that notifications have read (at
   * or before the 'server' cursor); returns how many. Their keys go with them: an occurrence that
   * old is not found again (a newer heartbeat or a new break has another key).
   */
  public Future<Integer> purgeRead(long cutoff, int limit) {
    return db.query("DELETE FROM server_events WHERE id IN (SELECT id FROM server_events WHERE created_at < ? AND id <= "
        + "(SELECT last_event_id FROM notification_cursor WHERE name = 'server') ORDER BY id LIMIT ?)", cutoff, limit)
        .map(rows -> rows.rowCount());
  }
}

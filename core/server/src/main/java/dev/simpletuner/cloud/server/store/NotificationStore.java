package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Notification channels, who wants which event on which channel, and the outbox of messages
 * derived from the job timeline with every attempt to send them. Rows of the outbox are unique by
 * (timeline entry, event type, channel, recipient): deriving the same entry twice adds nothing.
 */
public final class NotificationStore {
  private static final String CHANNEL = "id, channel_type, name, is_enabled, settings, created_at, updated_at";
  private static final String PREFERENCE = "id, user_id, event_type, channel_id, is_enabled, recipients, min_severity, "
      + "created_at";
  private static final String OUTBOX = "id, event_id, event_type, channel_id, job_id, user_id, recipient, payload, "
      + "status, attempts, next_attempt_at, last_status_code, last_error, created_at, sent_at, delivered_at";
  private final Db db;

  NotificationStore(Db db) {
    this.db = db;
  }

  /** A channel; {@code settings} holds its secrets sealed. */
  public record Channel(long id, String type, String name, boolean enabled, JsonObject settings, long createdAt,
                        long updatedAt) {
  }

  public record Preference(long id, String userId, String eventType, long channelId, boolean enabled,
                           JsonArray recipients, String minSeverity, long createdAt) {
  }

  /** One message to send: {@code status} is pending, delivered or dead (gave up). */
  public record Message(long id, Long eventId, String eventType, long channelId, String jobId, String userId,
                        String recipient, JsonObject payload, String status, int attempts, long nextAttemptAt,
                        Integer lastStatusCode, String lastError, long createdAt, Long sentAt, Long deliveredAt) {
  }

  public record Attempt(long outboxId, int attempt, long attemptedAt, Integer statusCode, String error,
                        long latencyMs) {
  }

  /** A message derived from a timeline entry, before it has a row. */
  public record NewMessage(Long eventId, String eventType, long channelId, String jobId, String userId,
                           String recipient, JsonObject payload) {
  }

  // --- channels

  public Future<Channel> createChannel(String type, String name, boolean enabled, JsonObject settings, long now) {
    return db.query("INSERT INTO notification_channels (channel_type, name, is_enabled, settings, created_at, "
            + "updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING " + CHANNEL, type, name, enabled ? 1L : 0L,
        settings.encode(), now, now).map(rows -> channel(rows.iterator().next()));
  }

  public Future<List<Channel>> channels() {
    return db.query("SELECT " + CHANNEL + " FROM notification_channels ORDER BY id").map(rows -> {
      List<Channel> out = new ArrayList<>();
      rows.forEach(r -> out.add(channel(r)));
      return out;
    });
  }

  public Future<Optional<Channel>> channel(long id) {
    return db.query("SELECT " + CHANNEL + " FROM notification_channels WHERE id = ?", id)
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(channel(rows.iterator().next())));
  }

  public Future<Optional<Channel>> updateChannel(long id, String name, boolean enabled, JsonObject settings,
                                                 long now) {
    return db.query("UPDATE notification_channels SET name = ?, is_enabled = ?, settings = ?, updated_at = ? "
            + "WHERE id = ? RETURNING " + CHANNEL, name, enabled ? 1L : 0L, settings.encode(), now, id)
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(channel(rows.iterator().next())));
  }

  /** Deletes the channel, its preferences, and gives up its unsent messages. */
  public Future<Boolean> deleteChannel(long id, long now) {
    return db.transaction(conn -> db.query(conn, "DELETE FROM notification_channels WHERE id = ?", id)
        .compose(deleted -> deleted.rowCount() == 0 ? Future.succeededFuture(false)
            : db.query(conn, "DELETE FROM notification_preferences WHERE channel_id = ?", id)
                .compose(v -> db.query(conn, "UPDATE notification_outbox SET status = 'dead', last_error = ?, "
                    + "next_attempt_at = ? WHERE channel_id = ? AND status = 'pending'", "The channel was deleted.",
                    now, id))
                .map(v -> true)));
  }

  private static Channel channel(Row r) {
    return new Channel(r.getLong(0), r.getString(1), r.getString(2), r.getLong(3) != 0, new JsonObject(r.getString(4)),
        r.getLong(5), r.getLong(6));
  }

  // --- preferences

  public Future<Optional<Preference>> createPreference(String userId, String eventType, long channelId,
                                                       boolean enabled, JsonArray recipients, String minSeverity,
                                                       long now) {
    return db.query("INSERT INTO notification_preferences (user_id, event_type, channel_id, is_enabled, recipients, "
            + "min_severity, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING " + PREFERENCE,
        userId, eventType, channelId, enabled ? 1L : 0L, recipients.encode(), minSeverity, now)
        .map(NotificationStore::firstPreference);
  }

  /** Every user's preferences when {@code userId} is null. */
  public Future<List<Preference>> preferences(String userId) {
    Future<RowSet<Row>> rows = userId == null
        ? db.query("SELECT " + PREFERENCE + " FROM notification_preferences ORDER BY id")
        : db.query("SELECT " + PREFERENCE + " FROM notification_preferences WHERE user_id = ? ORDER BY id", userId);
    return rows.map(NotificationStore::preferences);
  }

  /** The enabled preferences for {@code eventType} on enabled channels. */
  public Future<List<Preference>> wanting(String eventType) {
    return db.query("SELECT p.id, p.user_id, p.event_type, p.channel_id, p.is_enabled, p.recipients, p.min_severity, "
        + "p.created_at FROM notification_preferences p JOIN notification_channels c ON c.id = p.channel_id "
        + "WHERE p.event_type = ? AND p.is_enabled = 1 AND c.is_enabled = 1 ORDER BY p.id", eventType)
        .map(NotificationStore::preferences);
  }

  /** Whether any enabled preference on an enabled channel exists (when none, the timeline is skipped). */
  public Future<Boolean> anyWanted() {
    return db.query("SELECT 1 FROM notification_preferences p JOIN notification_channels c ON c.id = p.channel_id "
        + "WHERE p.is_enabled = 1 AND c.is_enabled = 1 LIMIT 1").map(rows -> rows.size() > 0);
  }

  public Future<Optional<Preference>> preference(long id) {
    return db.query("SELECT " + PREFERENCE + " FROM notification_preferences WHERE id = ?", id)
        .map(NotificationStore::firstPreference);
  }

  public Future<Optional<Preference>> updatePreference(long id, boolean enabled, JsonArray recipients,
                                                       String minSeverity) {
    return db.query("UPDATE notification_preferences SET is_enabled = ?, recipients = ?, min_severity = ? WHERE id = ? "
        + "RETURNING " + PREFERENCE, enabled ? 1L : 0L, recipients.encode(), minSeverity, id)
        .map(NotificationStore::firstPreference);
  }

  public Future<Boolean> deletePreference(long id) {
    return db.query("DELETE FROM notification_preferences WHERE id = ?", id).map(rows -> rows.rowCount() == 1);
  }

  private static List<Preference> preferences(RowSet<Row> rows) {
    List<Preference> out = new ArrayList<>();
    rows.forEach(r -> out.add(preference(r)));
    return out;
  }

  private static Optional<Preference> firstPreference(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(preference(rows.iterator().next()));
  }

  private static Preference preference(Row r) {
    return new Preference(r.getLong(0), r.getString(1), r.getString(2), r.getLong(3), r.getLong(4) != 0,
        new JsonArray(r.getString(5)), r.getString(6), r.getLong(7));
  }

  // --- the timeline cursor and the outbox

  /**
   * How far the timeline was read. The migration that made the table set it at the timeline's end
   * then; a cursor of another name starts at the current end.
   */
  public Future<Long> cursor(String name) {
    return db.query("SELECT last_event_id FROM notification_cursor WHERE name = ?", name).compose(rows -> {
      if (rows.size() > 0) {
        return Future.succeededFuture(rows.iterator().next().getLong(0));
      }
      return db.query("INSERT INTO notification_cursor (name, last_event_id) SELECT ?, COALESCE(MAX(id), 0) "
              + "FROM job_events WHERE 1 = 1 ON CONFLICT DO NOTHING", name)
          .compose(v -> db.query("SELECT last_event_id FROM notification_cursor WHERE name = ?", name))
          .map(again -> again.iterator().next().getLong(0));
    });
  }

  /** Adds the messages (those already there are left alone) and moves the cursor, in one transaction. */
  public Future<Void> route(String cursor, long upTo, List<NewMessage> messages, long now) {
    if (messages.isEmpty()) {
      return db.query("UPDATE notification_cursor SET last_event_id = ? WHERE name = ? AND last_event_id < ?", upTo,
          cursor, upTo).mapEmpty();
    }
    return db.transaction(conn -> {
      Future<?> chain = Future.succeededFuture();
      for (NewMessage m : messages) {
        chain = chain.compose(v -> db.query(conn, "INSERT INTO notification_outbox (event_id, event_type, channel_id, "
                + "job_id, user_id, recipient, payload, status, attempts, next_attempt_at, created_at) VALUES "
                + "(?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT DO NOTHING", m.eventId(), m.eventType(),
            m.channelId(), m.jobId(), m.userId(), m.recipient(), m.payload().encode(), now, now));
      }
      return chain.compose(v -> db.query(conn, "UPDATE notification_cursor SET last_event_id = ? WHERE name = ? "
          + "AND last_event_id < ?", upTo, cursor, upTo)).mapEmpty();
    });
  }

  /** A message sent at once (a test send): its row and its one attempt. */
  public Future<Message> recordSent(NewMessage m, Attempt attempt, boolean delivered) {
    return db.transaction(conn -> db.query(conn, "INSERT INTO notification_outbox (event_id, event_type, channel_id, "
            + "job_id, user_id, recipient, payload, status, attempts, next_attempt_at, last_status_code, last_error, "
            + "created_at, sent_at, delivered_at) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?) RETURNING "
            + OUTBOX, m.eventType(), m.channelId(), m.jobId(), m.userId(), m.recipient(), m.payload().encode(),
            delivered ? "delivered" : "dead", attempt.attemptedAt(), wide(attempt.statusCode()), attempt.error(),
            attempt.attemptedAt(), attempt.attemptedAt(), delivered ? attempt.attemptedAt() : null)
        .compose(rows -> {
          Message saved = message(rows.iterator().next());
          return insertAttempt(conn, saved.id(), attempt).map(saved);
        }));
  }

  public Future<List<Message>> due(long now, int limit) {
    return db.query("SELECT " + OUTBOX + " FROM notification_outbox WHERE status = 'pending' AND next_attempt_at <= ? "
        + "ORDER BY next_attempt_at, id LIMIT ?", now, limit).map(NotificationStore::messages);
  }

  /**
   * Records an attempt and its outcome: delivered, dead (no more tries), or pending again at
   * {@code nextAttemptAt}. False when the message was no longer pending (nothing changed).
   */
  public Future<Boolean> attempted(Message m, Attempt attempt, String status, long nextAttemptAt) {
    return db.transaction(conn -> db.query(conn, "UPDATE notification_outbox SET status = ?, attempts = ?, "
            + "next_attempt_at = ?, last_status_code = ?, last_error = ?, sent_at = COALESCE(sent_at, ?), "
            + "delivered_at = ? WHERE id = ? AND status = 'pending' AND attempts = ?", status, (long) attempt.attempt(),
            nextAttemptAt, wide(attempt.statusCode()), attempt.error(), attempt.attemptedAt(),
            "delivered".equals(status) ? attempt.attemptedAt() : null, m.id(), (long) m.attempts())
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(false)
            : insertAttempt(conn, m.id(), attempt).map(true)));
  }

  private Future<Void> insertAttempt(io.vertx.sqlclient.SqlConnection conn, long outboxId, Attempt a) {
    return db.query(conn, "INSERT INTO notification_attempts (outbox_id, attempt, attempted_at, status_code, error, "
        + "latency_ms) VALUES (?, ?, ?, ?, ?, ?)", outboxId, (long) a.attempt(), a.attemptedAt(), wide(a.statusCode()), a.error(),
        a.latencyMs()).mapEmpty();
  }

  /** The newest messages first, filtered by what is not null. */
  public Future<List<Message>> history(String userId, String jobId, Long channelId, String status, int limit) {
    StringBuilder sql = new StringBuilder("SELECT " + OUTBOX + " FROM notification_outbox WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    filter(sql, args, "user_id", userId);
    filter(sql, args, "job_id", jobId);
    filter(sql, args, "channel_id", channelId);
    filter(sql, args, "status", status);
    sql.append(" ORDER BY id DESC LIMIT ?");
    args.add(limit);
    return db.query(sql.toString(), args.toArray()).map(NotificationStore::messages);
  }

  private static void filter(StringBuilder sql, List<Object> args, String column, Object value) {
    if (value != null) {
      sql.append(" AND ").append(column).append(" = ?");
      args.add(value);
    }
  }

  public Future<List<Attempt>> attempts(List<Long> outboxIds) {
    if (outboxIds.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    String marks = String.join(", ", java.util.Collections.nCopies(outboxIds.size(), "?"));
    return db.query("SELECT outbox_id, attempt, attempted_at, status_code, error, latency_ms FROM notification_attempts "
        + "WHERE outbox_id IN (" + marks + ") ORDER BY outbox_id, attempt", outboxIds.toArray()).map(rows -> {
          List<Attempt> out = new ArrayList<>();
          for (Row r : rows) {
            Long code = r.getLong(3);
            out.add(new Attempt(r.getLong(0), r.getLong(1).intValue(), r.getLong(2),
                code == null ? null : code.intValue(), r.getString(4), r.getLong(5)));
          }
          return out;
        });
  }

  /**
   * Removes up to {@code limit} finished messages (delivered or dead) created before {@code cutoff},
   * with their attempts; returns how many. Pending ones stay whatever their age: they are still
   * being sent.
   */
  public Future<Integer> purgeHistory(long cutoff, int limit) {
    String old = "SELECT id FROM notification_outbox WHERE created_at < ? AND status IN ('delivered', 'dead') "
        + "ORDER BY id LIMIT ?";
    return db.transaction(conn -> db.query(conn, old, cutoff, limit).compose(rows -> {
      List<Object> ids = new ArrayList<>();
      rows.forEach(r -> ids.add(r.getLong(0)));
      if (ids.isEmpty()) {
        return Future.succeededFuture(0);
      }
      String marks = String.join(", ", java.util.Collections.nCopies(ids.size(), "?"));
      return db.query(conn, "DELETE FROM notification_attempts WHERE outbox_id IN (" + marks + ")", ids.toArray())
          .compose(v -> db.query(conn, "DELETE FROM notification_outbox WHERE id IN (" + marks + ")", ids.toArray()))
          .map(v -> ids.size());
    }));
  }

  /** Messages by status: pending, delivered, dead. */
  public Future<JsonObject> counts() {
    return db.query("SELECT status, COUNT(*) FROM notification_outbox GROUP BY status").map(rows -> {
      JsonObject out = new JsonObject().put("pending", 0L).put("delivered", 0L).put("dead", 0L);
      rows.forEach(r -> out.put(r.getString(0), r.getLong(1)));
      return out;
    });
  }

  /** PostgreSQL's BIGINT columns take Longs. */
  private static Long wide(Integer n) {
    return n == null ? null : n.longValue();
  }

  private static List<Message> messages(RowSet<Row> rows) {
    List<Message> out = new ArrayList<>();
    rows.forEach(r -> out.add(message(r)));
    return out;
  }

  private static Message message(Row r) {
    Long code = r.getLong(11);
    return new Message(r.getLong(0), r.getLong(1), r.getString(2), r.getLong(3), r.getString(4), r.getString(5),
        r.getString(6), new JsonObject(r.getString(7)), r.getString(8), r.getLong(9).intValue(), r.getLong(10),
        code == null ? null : code.intValue(), r.getString(12), r.getLong(13), r.getLong(14), r.getLong(15));
  }
}

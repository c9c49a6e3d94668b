package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The append-only audit log. Each entry's hash covers all its fields and the previous entry's
 * hash; appends are serialised in a transaction so the chain has no forks.
 */
public final class AuditStore {
  private static final String COLUMNS = "id, created_at, event_type, actor_id, actor_name, key_id, source_ip, "
      + "target_type, target_id, outcome, details, prev_hash, entry_hash";
  private static final long PG_LOCK_KEY = 0x5354415544L; // "STAUD"
  private final Db db;

  AuditStore(Db db) {
    this.db = db;
  }

  /** One entry; {@code id} and the hashes are set by {@link #append}. */
  public record Entry(long id, long createdAt, String eventType, String actorId, String actorName, String keyId,
                      String sourceIp, String targetType, String targetId, String outcome, JsonObject details,
                      String prevHash, String entryHash) {
    public Entry withChain(String prev, String hash) {
      return new Entry(id, createdAt, eventType, actorId, actorName, keyId, sourceIp, targetType, targetId, outcome,
          details, prev, hash);
    }
  }

  /** Appends {@code entry}; {@code hasher} computes its hash from it with the previous hash filled in. */
  public Future<Void> append(Entry entry, Function<Entry, String> hasher) {
    return db.transaction(conn -> lock(conn)
        // The newest entry's hash; with none left after a retention purge, the anchor's.
        .compose(v -> db.query(conn, "SELECT entry_hash FROM audit_log ORDER BY id DESC LIMIT 1"))
        .compose(rows -> rows.iterator().hasNext() ? Future.succeededFuture(rows)
            : db.query(conn, "SELECT last_hash FROM audit_anchor WHERE id = 1"))
        .compose(rows -> {
          String prev = rows.iterator().hasNext() ? rows.iterator().next().getString(0) : "genesis";
          Entry chained = entry.withChain(prev, null);
          String hash = hasher.apply(chained);
          return db.query(conn, "INSERT INTO audit_log (created_at, event_type, actor_id, actor_name, key_id, "
                  + "source_ip, target_type, target_id, outcome, details, prev_hash, entry_hash) "
                  + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", entry.createdAt(), entry.eventType(),
              entry.actorId(), entry.actorName(), entry.keyId(), entry.sourceIp(), entry.targetType(),
              entry.targetId(), entry.outcome(), entry.details().encode(), prev, hash).mapEmpty();
        }));
  }

  private Future<Void> lock(SqlConnection conn) {
    if (db.dialect() != Dialect.POSTGRES) {
      return Future.succeededFuture();
    }
    return db.query(conn, "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(?)) AS l", PG_LOCK_KEY).mapEmpty();
  }

  /**
   * What to list; null fields match anything. {@code eventTypes}: one of them, each exact or a
   * prefix ending in {@code *}.
   */
  public record Filter(List<String> eventTypes, String actorId, String targetType, String targetId, Long since,
                       Long until) {
  }

  /** Entries matching the filter, newest first, and how many match in all. */
  public Future<Page> list(Filter f, int limit, int offset) {
    List<Object> args = new ArrayList<>();
    List<String> where = new ArrayList<>();
    if (f.eventTypes() != null && !f.eventTypes().isEmpty()) {
      List<String> any = new ArrayList<>();
      for (String type : f.eventTypes()) {
        any.add(type.endsWith("*") ? "event_type LIKE ?" : "event_type = ?");
        args.add(type.endsWith("*") ? type.substring(0, type.length() - 1) + "%" : type);
      }
      where.add("(" + String.join(" OR ", any) + ")");
    }
    for (String[] column : new String[][] {{"actor_id", f.actorId()}, {"target_type", f.targetType()},
        {"target_id", f.targetId()}}) {
      if (column[1] != null) {
        where.add(column[0] + " = ?");
        args.add(column[1]);
      }
    }
    Long since = f.since();
    Long until = f.until();
    if (since != null) {
      where.add("created_at >= ?");
      args.add(since);
    }
    if (until != null) {
      where.add("created_at < ?");
      args.add(until);
    }
    String clause = where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where);
    List<Object> pageArgs = new ArrayList<>(args);
    pageArgs.add(limit);
    pageArgs.add(offset);
    Future<List<Entry>> page = db.query("SELECT " + COLUMNS + " FROM audit_log" + clause
        + " ORDER BY id DESC LIMIT ? OFFSET ?", pageArgs.toArray()).map(AuditStore::entries);
    Future<Long> total = db.query("SELECT COUNT(*) FROM audit_log" + clause, args.toArray())
        .map(rows -> rows.iterator().next().getLong(0));
    return Future.all(page, total).map(v -> new Page(page.result(), total.result()));
  }

  /** The log at a glance: how many entries, in the last day, first and last times, by event type. */
  public record Stats(long total, long lastDay, Long first, Long last, java.util.Map<String, Long> byType) {
  }

  public Future<Stats> stats(long dayAgo) {
    java.util.Map<String, Long> byType = new java.util.TreeMap<>();
    return db.query("SELECT event_type, COUNT(*) FROM audit_log GROUP BY event_type")
        .compose(rows -> {
          rows.forEach(r -> byType.put(r.getString(0), r.getLong(1)));
          return db.query("SELECT COUNT(*), MIN(created_at), MAX(created_at), "
              + "COALESCE(SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0) FROM audit_log", dayAgo);
        })
        .map(rows -> {
          Row r = rows.iterator().next();
          return new Stats(r.getLong(0), r.getLong(3), r.getLong(1), r.getLong(2), byType);
        });
  }

  /** The event types the log holds, in order. */
  public Future<List<String>> eventTypes() {
    return db.query("SELECT DISTINCT event_type FROM audit_log ORDER BY event_type").map(rows -> {
      List<String> types = new ArrayList<>();
      rows.forEach(r -> types.add(r.getString(0)));
      return types;
    });
  }

  /** A page of entries. */
  public record Page(List<Entry> entries, long total) {
  }

  /** Where the chain starts after retention purged its oldest entries: the last purged entry. */
  public record Anchor(long lastId, String lastHash, long purged) {
  }

  public Future<java.util.Optional<Anchor>> anchor() {
    return db.query("SELECT last_id, last_hash, purged FROM audit_anchor WHERE id = 1").map(rows -> {
      if (!rows.iterator().hasNext()) {
        return java.util.Optional.<Anchor>empty();
      }
      Row r = rows.iterator().next();
      return java.util.Optional.of(new Anchor(r.getLong(0), r.getString(1), r.getLong(2)));
    });
  }

  /** Entries with id above {@code afterId} and at most {@code lastId}, oldest first (the chain in batches). */
  public Future<List<Entry>> after(long afterId, long lastId, int limit) {
    return db.query("SELECT " + COLUMNS + " FROM audit_log WHERE id > ? AND id <= ? ORDER BY id LIMIT ?", afterId,
        lastId, limit).map(AuditStore::entries);
  }

  private static List<Entry> entries(Iterable<Row> rows) {
    List<Entry> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(new Entry(r.getLong("id"), r.getLong("created_at"), r.getString("event_type"), r.getString("actor_id"),
          r.getString("actor_name"), r.getString("key_id"), r.getString("source_ip"), r.getString("target_type"),
          r.getString("target_id"), r.getString("outcome"), new JsonObject(r.getString("details")),
          r.getString("prev_hash"), r.getString("entry_hash")));
    }
    return out;
  }
}

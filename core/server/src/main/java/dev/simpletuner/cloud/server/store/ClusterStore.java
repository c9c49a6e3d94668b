package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Instances sharing the database, their heartbeats, and the leases that divide background work. */
public final class ClusterStore {
  private final Db db;

  ClusterStore(Db db) {
    this.db = db;
  }

  public record Instance(String id, String host, String url, String version, long startedAt, long heartbeatAt) {
  }

  public record Lease(String name, String owner, long token, long acquiredAt, long expiresAt) {
  }

  public Future<Void> heartbeat(Instance instance) {
    return db.query("INSERT INTO instances (id, host, url, version, started_at, heartbeat_at) "
            + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET host = excluded.host, url = excluded.url, version = excluded.version, "
            + "started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at", instance.id(), instance.host(),
        instance.url(), instance.version(), instance.startedAt(), instance.heartbeatAt()).mapEmpty();
  }

  public Future<List<Instance>> instances() {
    return db.query("SELECT id, host, url, version, started_at, heartbeat_at FROM instances ORDER BY id")
        .map(rows -> {
          List<Instance> out = new ArrayList<>();
          for (Row r : rows) {
            out.add(new Instance(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getLong(4),
                r.getLong(5)));
          }
          return out;
        });
  }

  /** Forgets instances silent since {@code before} (their leases have long expired). */
  public Future<Void> forgetInstances(long before) {
    return db.query("DELETE FROM instances WHERE heartbeat_at < ?", before).mapEmpty();
  }

  /**
   * Takes the lease when it is free or expired (a new token), or extends it when {@code owner}
   * holds it already (same token). Empty when someone else holds it.
   */
  public Future<Optional<Long>> hold(String name, String owner, long now, long ttlMillis) {
    return db.query("INSERT INTO leases (name, owner, token, acquired_at, expires_at) VALUES (?, ?, 1, ?, ?) "
            + "ON CONFLICT (name) DO UPDATE SET "
            + "token = CASE WHEN leases.owner = excluded.owner THEN leases.token ELSE leases.token + 1 END, "
            + "acquired_at = CASE WHEN leases.owner = excluded.owner THEN leases.acquired_at "
            + "ELSE excluded.acquired_at END, owner = excluded.owner, expires_at = excluded.expires_at "
            + "WHERE leases.owner = excluded.owner OR leases.expires_at < ? RETURNING token",
        name, owner, now, now + ttlMillis, now)
        .map(rows -> rows.size() == 0 ? Optional.<Long>empty() : Optional.of(rows.iterator().next().getLong(0)));
  }

  /**
   * Gives up a lease so that another instance can take it at once. The row stays (expired), so the
   * next owner's token is still higher than every earlier one.
   */
  public Future<Void> release(String name, String owner, long token) {
    return db.query("UPDATE leases SET expires_at = 0 WHERE name = ? AND owner = ? AND token = ?", name, owner, token)
        .mapEmpty();
  }

  public Future<List<Lease>> leases() {
    return db.query("SELECT name, owner, token, acquired_at, expires_at FROM leases ORDER BY name").map(rows -> {
      List<Lease> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(new Lease(r.getString(0), r.getString(1), r.getLong(2), r.getLong(3), r.getLong(4)));
      }
      return out;
    });
  }

  /** Sends a PostgreSQL notification (a no-op on SQLite, where only one instance runs). */
  public Future<Void> notify(String channel, String payload) {
    if (db.dialect() != Dialect.POSTGRES) {
      return Future.succeededFuture();
    }
    return db.query("SELECT pg_notify(?, ?)", channel, payload).mapEmpty();
  }
}

package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Key/value settings grouped by scope, e.g. {@code provider:replicate}. */
public final class SettingStore {
  private final Db db;

  SettingStore(Db db) {
    this.db = db;
  }

  public Future<Map<String, String>> get(String scope) {
    return db.query("SELECT name, value FROM settings WHERE scope = ? ORDER BY name", scope).map(rows -> {
      Map<String, String> out = new LinkedHashMap<>();
      for (Row row : rows) {
        out.put(row.getString(0), row.getString(1));
      }
      return out;
    });
  }

  /** Sets the given values; a null value removes the setting. */
  public Future<Void> put(String scope, Map<String, String> values, long now) {
    List<Tuple> upserts = new ArrayList<>();
    List<Tuple> removals = new ArrayList<>();
    values.forEach((name, value) -> {
      if (value == null) {
        removals.add(Tuple.of(scope, name));
      } else {
        upserts.add(Tuple.of(scope, name, value, now));
      }
    });
    Future<?> up = upserts.isEmpty() ? Future.succeededFuture() : db.batch("INSERT INTO settings (scope, name, value, "
        + "updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (scope, name) DO UPDATE SET value = excluded.value, "
        + "updated_at = excluded.updated_at", upserts);
    return up.compose(v -> removals.isEmpty() ? Future.succeededFuture()
        : db.batch("DELETE FROM settings WHERE scope = ? AND name = ?", removals)).mapEmpty();
  }

  /** Stores {@code value} unless the setting exists; returns the stored value either way. */
  public Future<String> putIfAbsent(String scope, String name, String value, long now) {
    return db.query("INSERT INTO settings (scope, name, value, updated_at) VALUES (?, ?, ?, ?) "
            + "ON CONFLICT (scope, name) DO NOTHING", scope, name, value, now)
        .compose(v -> db.query("SELECT value FROM settings WHERE scope = ? AND name = ?", scope, name))
        .map(rows -> rows.iterator().next().getString(0));
  }
}

package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Named training configurations: model/training settings plus the dataloader datasets. */
public final class ConfigStore {
  private static final String COLUMNS = "name, owner_id, description, config, dataloader_config, created_at, updated_at";
  private final Db db;

  ConfigStore(Db db) {
    this.db = db;
  }

  /** One named config. */
  public record NamedConfig(String name, String ownerId, String description, JsonObject config,
                            JsonArray dataloaderConfig, long createdAt, long updatedAt) {
    public JsonObject toJson() {
      return new JsonObject().put("name", name).put("description", description).put("config", config)
          .put("dataloader_config", dataloaderConfig).put("owner_id", ownerId)
          .put("created_at", Instant.ofEpochMilli(createdAt).toString())
          .put("updated_at", Instant.ofEpochMilli(updatedAt).toString());
    }
  }

  public Future<List<NamedConfig>> list() {
    return db.query("SELECT " + COLUMNS + " FROM configs ORDER BY name").map(ConfigStore::configs);
  }

  public Future<Optional<NamedConfig>> get(String name) {
    return db.query("SELECT " + COLUMNS + " FROM configs WHERE name = ?", name)
        .map(rows -> configs(rows).stream().findFirst());
  }

  /** Creates the config; false when the name is taken. */
  public Future<Boolean> create(NamedConfig c) {
    return db.query("INSERT INTO configs (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
            c.name(), c.ownerId(), c.description(), c.config().encode(), c.dataloaderConfig().encode(), c.createdAt(),
            c.updatedAt())
        .map(rows -> rows.rowCount() == 1);
  }

  /** Creates or replaces the config; true when it was created. */
  public Future<Boolean> put(NamedConfig c) {
    return db.query("UPDATE configs SET description = ?, config = ?, dataloader_config = ?, updated_at = ? "
            + "WHERE name = ?", c.description(), c.config().encode(), c.dataloaderConfig().encode(), c.updatedAt(),
            c.name())
        .compose(updated -> updated.rowCount() == 1 ? Future.succeededFuture(false) : create(c)
            .compose(created -> created ? Future.succeededFuture(true) : put(c)));
  }

  public Future<Boolean> delete(String name) {
    return db.query("DELETE FROM configs WHERE name = ?", name).map(rows -> rows.rowCount() == 1);
  }

  private static List<NamedConfig> configs(RowSet<Row> rows) {
    List<NamedConfig> out = new ArrayList<>();
    for (Row row : rows) {
      out.add(new NamedConfig(row.getString("name"), row.getString("owner_id"), row.getString("description"),
          new JsonObject(row.getString("config")), new JsonArray(row.getString("dataloader_config")),
          row.getLong("created_at"), row.getLong("updated_at")));
    }
    return out;
  }
}

package dev.simpletuner.cloud.server.store;

import dev.simpletuner.cloud.server.reproduce.ContentHash;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Named training configurations: model/training settings plus the dataloader datasets. Every save
 * is also kept as an immutable numbered version (who, when, why), in the same transaction.
 */
public final class ConfigStore {
  private static final String COLUMNS = "name, owner_id, description, config, dataloader_config, created_at, updated_at";
  private static final String CURRENT = "(SELECT MAX(v.version) FROM config_versions v WHERE v.name = configs.name)";
  private static final String VERSION_COLUMNS = "name, version, description, config, dataloader_config, created_by, "
      + "created_at, message, restored_from";
  /** Saves of one name racing for the same number retry this often before the failure is reported. */
  private static final int SAVE_ATTEMPTS = 3;
  private final Db db;

  ConfigStore(Db db) {
    this.db = db;
  }

  /** One named config; {@code version} is its current version (0 before it is saved). */
  public record NamedConfig(String name, String ownerId, String description, JsonObject config,
                            JsonArray dataloaderConfig, long createdAt, long updatedAt, int version) {
    public NamedConfig(String name, String ownerId, String description, JsonObject config, JsonArray dataloaderConfig,
                       long createdAt, long updatedAt) {
      this(name, ownerId, description, config, dataloaderConfig, createdAt, updatedAt, 0);
    }

    public JsonObject toJson() {
      return new JsonObject().put("name", name).put("description", description).put("config", config)
          .put("dataloader_config", dataloaderConfig).put("owner_id", ownerId)
          .put("version", version).put("content_hash", ContentHash.of(config, dataloaderConfig))
          .put("created_at", Instant.ofEpochMilli(createdAt).toString())
          .put("updated_at", Instant.ofEpochMilli(updatedAt).toString());
    }
  }

  /** One saved version of a named config, as it was saved; never changed. */
  public record ConfigVersion(String name, int version, String description, JsonObject config,
                              JsonArray dataloaderConfig, String createdBy, long createdAt, String message,
                              Integer restoredFrom) {
    /** @param detail include the config and dataloader themselves */
    public JsonObject toJson(boolean detail) {
      JsonObject json = new JsonObject().put("name", name).put("version", version).put("description", description)
          .put("created_by", createdBy).put("created_at", Instant.ofEpochMilli(createdAt).toString())
          .put("message", message).put("restored_from", restoredFrom)
          .put("content_hash", ContentHash.of(config, dataloaderConfig));
      if (detail) {
        json.put("config", config).put("dataloader_config", dataloaderConfig);
      }
      return json;
    }
  }

  /** What a save did: whether it made the config, and the version it became. */
  public record Saved(boolean created, int version) {
  }

  /** A page of versions, newest first, and how many there are in all. */
  public record VersionPage(List<ConfigVersion> versions, long total) {
  }

  public Future<List<NamedConfig>> list() {
    return db.query("SELECT " + COLUMNS + ", " + CURRENT + " AS version FROM configs ORDER BY name")
        .map(ConfigStore::configs);
  }

  public Future<Optional<NamedConfig>> get(String name) {
    return db.query("SELECT " + COLUMNS + ", " + CURRENT + " AS version FROM configs WHERE name = ?", name)
        .map(rows -> configs(rows).stream().findFirst());
  }

  /** Creates the config as its first version (or the next, if one of that name was deleted); false when the name is taken. */
  public Future<Boolean> create(NamedConfig c) {
    return create(c, null).map(saved -> saved.isPresent());
  }

  /** {@link #create(NamedConfig)} with the version's message; empty when the name is taken. */
  public Future<Optional<Saved>> create(NamedConfig c, String message) {
    return attempt(SAVE_ATTEMPTS, () -> db.transaction(conn -> insert(conn, c).compose(inserted -> inserted
        ? addVersion(conn, c, message, null).map(v -> Optional.of(new Saved(true, v)))
        : Future.succeededFuture(Optional.empty()))));
  }

  /** Creates or replaces the config; true when it was created. */
  public Future<Boolean> put(NamedConfig c) {
    return save(c, null, null).map(Saved::created);
  }

  /**
   * Creates or replaces the config as a new version.
   *
   * @param restoredFrom the version this save brings back, or null
   */
  public Future<Saved> save(NamedConfig c, String message, Integer restoredFrom) {
    return attempt(SAVE_ATTEMPTS, () -> db.transaction(conn -> db.query(conn, "UPDATE configs SET description = ?, "
            + "config = ?, dataloader_config = ?, updated_at = ? WHERE name = ?", c.description(), c.config().encode(),
            c.dataloaderConfig().encode(), c.updatedAt(), c.name())
        .compose(updated -> updated.rowCount() == 1 ? Future.succeededFuture(false)
            : insert(conn, c).map(inserted -> {
              if (!inserted) {
                throw new IllegalStateException("unique: " + c.name() + " was created meanwhile");
              }
              return true;
            }))
        .compose(created -> addVersion(conn, c, message, restoredFrom).map(v -> new Saved(created, v)))));
  }

  public Future<Boolean> delete(String name) {
    return db.query("DELETE FROM configs WHERE name = ?", name).map(rows -> rows.rowCount() == 1);
  }

  /** The versions of a name, newest first; kept after the config itself is deleted. */
  public Future<VersionPage> versions(String name, int limit, int offset) {
    return db.query("SELECT COUNT(*) FROM config_versions WHERE name = ?", name)
        .compose(count -> db.query("SELECT " + VERSION_COLUMNS + " FROM config_versions WHERE name = ? "
                + "ORDER BY version DESC LIMIT ? OFFSET ?", name, limit, offset)
            .map(rows -> new VersionPage(versions(rows), count.iterator().next().getLong(0))));
  }

  public Future<Optional<ConfigVersion>> version(String name, int version) {
    return db.query("SELECT " + VERSION_COLUMNS + " FROM config_versions WHERE name = ? AND version = ?", name, version)
        .map(rows -> versions(rows).stream().findFirst());
  }

  private Future<Boolean> insert(SqlConnection conn, NamedConfig c) {
    return db.query(conn, "INSERT INTO configs (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?) "
            + "ON CONFLICT (name) DO NOTHING", c.name(), c.ownerId(), c.description(), c.config().encode(),
            c.dataloaderConfig().encode(), c.createdAt(), c.updatedAt())
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * Adds the next version of the config. An update holds the config's row, so saves of one name
   * take their numbers in turn; two first saves may race, and the loser's unique key fails and is
   * tried again.
   */
  private Future<Integer> addVersion(SqlConnection conn, NamedConfig c, String message, Integer restoredFrom) {
    return db.query(conn, "SELECT COALESCE(MAX(version), 0) FROM config_versions WHERE name = ?", c.name())
        .compose(rows -> {
          int next = rows.iterator().next().getInteger(0) + 1;
          return db.query(conn, "INSERT INTO config_versions (" + VERSION_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  c.name(), next, c.description(), c.config().encode(), c.dataloaderConfig().encode(), c.ownerId(),
                  c.updatedAt(), message, restoredFrom)
              .map(next);
        });
  }

  private static <T> Future<T> attempt(int attempts, java.util.function.Supplier<Future<T>> work) {
    return work.get().recover(e -> attempts > 1 && isUniqueViolation(e) ? attempt(attempts - 1, work)
        : Future.failedFuture(e));
  }

  private static boolean isUniqueViolation(Throwable e) {
    String text = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return text.contains("unique") || text.contains("duplicate key");
  }

  private static List<NamedConfig> configs(RowSet<Row> rows) {
    List<NamedConfig> out = new ArrayList<>();
    for (Row row : rows) {
      Integer version = row.getInteger("version");
      out.add(new NamedConfig(row.getString("name"), row.getString("owner_id"), row.getString("description"),
          new JsonObject(row.getString("config")), new JsonArray(row.getString("dataloader_config")),
          row.getLong("created_at"), row.getLong("updated_at"), version == null ? 0 : version));
    }
    return out;
  }

  private static List<ConfigVersion> versions(RowSet<Row> rows) {
    List<ConfigVersion> out = new ArrayList<>();
    for (Row row : rows) {
      out.add(new ConfigVersion(row.getString("name"), row.getInteger("version"), row.getString("description"),
          new JsonObject(row.getString("config")), new JsonArray(row.getString("dataloader_config")),
          row.getString("created_by"), row.getLong("created_at"), row.getString("message"),
          row.getInteger("restored_from")));
    }
    return out;
  }
}

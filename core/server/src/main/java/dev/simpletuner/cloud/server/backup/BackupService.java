package dev.simpletuner.cloud.server.backup;

import dev.simpletuner.cloud.server.Server;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.secret.SecretBox;
import dev.simpletuner.cloud.server.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Takes, lists and deletes this server's backups, and restores one into a fresh target. One
 * backup runs at a time per instance (a second request gets 409 while one is under way).
 */
public final class BackupService {
  static final String FORMAT = "simpletuner-backup/1";
  /** The reference's component names; a backup always holds all of them (the whole database). */
  static final List<String> COMPONENTS = List.of("jobs", "auth", "config");
  private final Vertx vertx;
  private final Store store;
  private final SecretBox secrets;
  private final BackupDir dir;
  private final Path liveState;
  /** Backup folders with a backup under way (the HTTP verticle has several instances; one backup at a time). */
  private static final java.util.Set<Path> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** What a backup request asks for. */
  public record Request(String name, String description, String createdBy, boolean includeKey, String passphrase) {
  }

  public BackupService(Vertx vertx, Store store, SecretBox secrets, Path stateDir) {
    this.vertx = vertx;
    this.store = store;
    this.secrets = secrets;
    this.dir = new BackupDir(stateDir);
    this.liveState = stateDir;
  }

  public Future<JsonObject> create(Request request, long now) {
    if (request.includeKey() && (request.passphrase() == null || request.passphrase().length() < KeyWrap.MIN_PASSPHRASE)) {
      return Future.failedFuture(AppException.invalid("passphrase", "include_key needs a passphrase of at least "
          + KeyWrap.MIN_PASSPHRASE + " characters: the key is only ever stored sealed with it."));
    }
    if (!RUNNING.add(dir.root())) {
      return Future.failedFuture(new AppException(ErrorCode.CONFLICT, "A backup is being taken on this server; "
          + "try again when it is done."));
    }
    String id = BackupDir.newId(now);
    Path partial = dir.partial(id);
    TableWriter writer = new TableWriter(vertx, partial);
    return vertx.executeBlocking(() -> Files.createDirectories(partial))
        .compose(p -> store.tables().export(writer))
        .compose(exported -> writer.finish().compose(tables -> vertx.executeBlocking(() -> {
          JsonObject manifest = new JsonObject().put("format", FORMAT).put("id", id)
              .put("name", request.name() == null ? id : request.name()).put("description", request.description())
              .put("created_at", Instant.ofEpochMilli(now).toString()).put("created_by", request.createdBy())
              .put("components", new JsonArray(COMPONENTS))
              .put("source", new JsonObject().put("backend", store.dialect().name().toLowerCase())
                  .put("schema_version", exported.schemaVersion()).put("server_version", Server.VERSION))
              .put("tables", tables).put("sequences", new JsonObject(new java.util.LinkedHashMap<String, Object>(exported.sequences())))
              .put("files_included", false)
              .put("key", key(request, id));
          Files.writeString(partial.resolve(BackupDir.MANIFEST), manifest.encodePrettily(), StandardCharsets.UTF_8);
          Files.move(partial, dir.finished(id), StandardCopyOption.ATOMIC_MOVE);
          return summary(manifest);
        }, false)))
        .onFailure(e -> {
          writer.abandon();
          vertx.executeBlocking(() -> {
            BackupDir.deleteTree(partial);
            return null;
          });
        })
        .eventually(() -> {
          RUNNING.remove(dir.root());
          return Future.succeededFuture();
        });
  }

  /** The key block of the manifest: always the fingerprint, the key itself only sealed and only when asked. */
  private JsonObject key(Request request, String id) {
    JsonObject key = new JsonObject().put("included", request.includeKey()).put("fingerprint", secrets.fingerprint());
    if (request.includeKey()) {
      key.put("sealed", KeyWrap.seal(secrets.exportKey(), request.passphrase(), id));
    }
    return key;
  }

  public Future<JsonObject> list(int limit) {
    return vertx.executeBlocking(() -> {
      JsonArray backups = new JsonArray();
      long total = 0;
      for (JsonObject m : dir.list()) {
        JsonObject s = summary(m);
        total += s.getLong("size_bytes");
        if (backups.size() < limit) {
          backups.add(s);
        }
      }
      return new JsonObject().put("backups", backups).put("total_size_bytes", total)
          .put("backup_dir", dir.root().toString());
    }, false);
  }

  public Future<JsonObject> get(String id) {
    return vertx.executeBlocking(() -> summary(BackupDir.manifest(dir.existing(id))), false);
  }

  public Future<JsonObject> delete(String id) {
    return vertx.executeBlocking(() -> {
      Path existing = dir.existing(id);
      // Out of the listing at once, then gone.
      Path doomed = dir.root().resolve("." + id + ".deleting");
      Files.move(existing, doomed, StandardCopyOption.ATOMIC_MOVE);
      BackupDir.deleteTree(doomed);
      return new JsonObject().put("success", true).put("backup_id", id);
    }, false);
  }

  /**
   * Restores backup {@code id}; with no target, only a dry run against this server's own database
   * (a restore into it is refused: it is in use).
   */
  public Future<JsonObject> restore(String id, Restore.Target target, String passphrase, boolean dryRun) {
    return vertx.executeBlocking(() -> {
      if (target != null && target.stateDir() != null) {
        fromHttp(target.stateDir());
      }
      return dir.existing(id);
    }, false).compose(backup -> {
      if (target != null) {
        return new Restore(vertx).run(backup, target, passphrase, dryRun);
      }
      if (!dryRun) {
        return Future.failedFuture(new AppException(ErrorCode.CONFLICT, "This server's own database is in use: "
            + "restore into a fresh target (target.state_dir and/or target.database_url) or, with the server "
            + "stopped, with `java -jar simpletuner-cloud.jar restore " + backup + " --state-dir <new dir>`."));
      }
      return store.tables().counts().compose(now -> vertx.executeBlocking(() -> {
        JsonObject manifest = BackupDir.manifest(backup);
        JsonObject tables = new JsonObject();
        manifest.getJsonObject("tables").forEach(e -> tables.put(e.getKey(), new JsonObject()
            .put("backup_rows", ((JsonObject) e.getValue()).getLong("rows"))
            .put("target_rows_before", now.getOrDefault(e.getKey(), 0L))
            .put("target_rows_after", now.getOrDefault(e.getKey(), 0L))));
        return new JsonObject().put("success", true).put("dry_run", true).put("backup_id", id)
            .put("restored_components", manifest.getJsonArray("components"))
            .put("target", new JsonObject().put("backend", store.dialect().name().toLowerCase()).put("live", true))
            .put("key_fingerprint", manifest.getJsonObject("key").getString("fingerprint"))
            .put("same_key", secrets.fingerprint().equals(manifest.getJsonObject("key").getString("fingerprint")))
            .put("tables", tables)
            .put("warnings", new JsonArray().add("This server's database is in use and is not restored into; "
                + "give a target (a fresh state_dir or an empty database_url) to restore."));
      }, false));
    });
  }

  /**
   * A state dir named over HTTP: one new folder in a folder that exists, apart from this server's
   * own state (a request may not make directory trees anywhere the server can write, nor write into
   * or around the live state). The {@code restore} command, run by the operator, takes any path.
   */
  private void fromHttp(Path target) throws IOException {
    Path wanted = target.normalize();
    Path parent = wanted.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw AppException.invalid("target.state_dir", "The folder that is to hold the new state directory ("
          + parent + ") must exist.");
    }
    Path live = liveState.toRealPath();
    Path real = parent.toRealPath().resolve(wanted.getFileName());
    if (real.startsWith(live) || live.startsWith(real)) {
      throw AppException.invalid("target.state_dir", "The target must lie outside this server's state directory "
          + "and not hold it.");
    }
  }

  /** A manifest as the reference's CLI lists it, plus where it is and what it holds. */
  private JsonObject summary(JsonObject m) {
    Path where = dir.finished(m.getString("id"));
    long rows = 0;
    for (String t : m.getJsonObject("tables").fieldNames()) {
      rows += m.getJsonObject("tables").getJsonObject(t).getLong("rows");
    }
    return new JsonObject().put("id", m.getString("id")).put("backup_id", m.getString("id"))
        .put("success", true).put("name", m.getString("name")).put("description", m.getString("description"))
        .put("created_at", m.getString("created_at")).put("created_by", m.getString("created_by"))
        .put("components", m.getJsonArray("components")).put("path", where.toString())
        .put("size_bytes", Files.isDirectory(where) ? BackupDir.size(where) : 0L)
        .put("backend", m.getJsonObject("source").getString("backend"))
        .put("schema_version", m.getJsonObject("source").getInteger("schema_version"))
        .put("key_included", m.getJsonObject("key").getBoolean("included"))
        .put("files_included", m.getBoolean("files_included", false))
        .put("rows", rows);
  }
}

package dev.simpletuner.cloud.server.backup;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.secret.SecretBox;
import dev.simpletuner.cloud.server.store.RestoreTarget;
import dev.simpletuner.cloud.server.store.Tables;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Loads a backup into a fresh target: a state directory that does not exist or is empty (its
 * SQLite database is created there), an empty PostgreSQL database, or both (the database, with the
 * key in the state directory). A target that holds anything is refused with 409. A dry run
 * reports, table by table, the rows the backup holds and the rows the target holds now, and
 * changes nothing (it does not even create the SQLite file).
 */
public final class Restore {
  /** Where to restore; at least one of the two. */
  public record Target(Path stateDir, String databaseUrl) {
    public Target {
      if (stateDir == null && databaseUrl == null) {
        throw AppException.invalid("target", "Give a target: state_dir (a fresh state directory) and/or "
            + "database_url (an empty PostgreSQL database).");
      }
      if (stateDir != null && !stateDir.isAbsolute()) {
        throw AppException.invalid("target.state_dir", "state_dir must be an absolute path.");
      }
      if (databaseUrl != null && !databaseUrl.startsWith("postgresql://") && !databaseUrl.startsWith("postgres://")) {
        throw AppException.invalid("target.database_url", "database_url must be postgresql://user:pass@host:port/db.");
      }
      if (databaseUrl != null) {
        try {
          PgConnectOptions.fromUri(databaseUrl.replaceFirst("^postgres://", "postgresql://"));
        } catch (RuntimeException e) {
          throw AppException.invalid("target.database_url", "database_url is not a PostgreSQL URL: " + e.getMessage());
        }
      }
    }

    /** The target without credentials, for answers and logs. */
    JsonObject describe() {
      JsonObject out = new JsonObject();
      if (stateDir != null) {
        out.put("state_dir", stateDir.toString());
      }
      if (databaseUrl != null) {
        PgConnectOptions pg = PgConnectOptions.fromUri(databaseUrl.replaceFirst("^postgres://", "postgresql://"));
        out.put("database", pg.getHost() + ":" + pg.getPort() + "/" + pg.getDatabase());
      }
      return out.put("backend", databaseUrl != null ? "postgres" : "sqlite");
    }
  }

  private final Vertx vertx;

  public Restore(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * @param passphrase opens the backup's sealed key (null: restore without it)
   */
  public Future<JsonObject> run(Path backup, Target target, String passphrase, boolean dryRun) {
    return vertx.executeBlocking(() -> BackupDir.manifest(backup))
        .compose(manifest -> checkFormat(manifest)
            .compose(v -> openKey(manifest, passphrase))
            .compose(key -> targetRows(target, manifest)
                .compose(before -> dryRun ? Future.succeededFuture(before)
                    : apply(backup, manifest, target, key).map(before))
                .map(before -> answer(manifest, target, before, key, passphrase, dryRun))));
  }

  private static Future<Void> checkFormat(JsonObject manifest) {
    if (!BackupService.FORMAT.equals(manifest.getString("format"))) {
      return Future.failedFuture(AppException.invalid("backup_id", "Not a backup this server writes (format "
          + manifest.getString("format") + ")."));
    }
    Integer version = manifest.getJsonObject("source", new JsonObject()).getInteger("schema_version");
    if (version == null || manifest.getJsonObject("tables") == null) {
      return Future.failedFuture(AppException.invalid("backup_id", "The backup's manifest is incomplete."));
    }
    if (version > Tables.latestVersion()) {
      return Future.failedFuture(new AppException(ErrorCode.CONFLICT, "The backup's schema (version " + version
          + ") is newer than this server knows (" + Tables.latestVersion() + "): restore it with a newer server."));
    }
    return Future.succeededFuture();
  }

  /** The key when the backup holds one and a passphrase was given (a wrong one is a 400). */
  private Future<byte[]> openKey(JsonObject manifest, String passphrase) {
    JsonObject key = manifest.getJsonObject("key", new JsonObject());
    if (!key.getBoolean("included", false) || passphrase == null) {
      return Future.succeededFuture(null);
    }
    return vertx.executeBlocking(() -> KeyWrap.open(key.getJsonObject("sealed"), passphrase,
        manifest.getString("id")), false);
  }

  /** Rows the target holds now, per table; refused (409) when it holds any, or a schema of another version. */
  private Future<Map<String, Long>> targetRows(Target target, JsonObject manifest) {
    List<String> tables = new ArrayList<>(manifest.getJsonObject("tables").fieldNames());
    Future<Map<String, Long>> rows;
    if (target.databaseUrl() != null) {
      rows = withTarget(target.databaseUrl(), null, t -> t.schemaVersion().compose(version -> {
        int wanted = manifest.getJsonObject("source").getInteger("schema_version");
        if (version != 0 && version != wanted) {
          return Future.failedFuture(new AppException(ErrorCode.CONFLICT, "The target database already has a "
              + "schema (version " + version + ", the backup's is " + wanted + "): restore into a database no "
              + "server has started on.", target.describe()));
        }
        return t.counts(tables);
      })).recover(e -> Future.failedFuture(e instanceof AppException ? e : AppException.invalid(
          "target.database_url", "Cannot read the target database: " + e.getMessage())));
    } else {
      rows = Future.succeededFuture(zeros(tables));
    }
    return stateDirEmpty(target).compose(v -> rows).compose(found -> {
      List<String> holding = found.entrySet().stream()
          .filter(e -> e.getValue() > 0 && !Tables.SEEDED.contains(e.getKey())).map(Map.Entry::getKey).toList();
      if (!holding.isEmpty()) {
        return Future.failedFuture(new AppException(ErrorCode.CONFLICT, "The target database is not empty (rows in "
            + String.join(", ", holding) + "): a restore only goes into an empty database.",
            target.describe().put("tables", new JsonArray(holding))));
      }
      return Future.succeededFuture(found);
    });
  }

  private Future<Void> stateDirEmpty(Target target) {
    if (target.stateDir() == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      Path dir = target.stateDir();
      if (Files.exists(dir) && !Files.isReadable(dir)) {
        throw AppException.invalid("target.state_dir", "The server cannot read " + dir + ".");
      }
      if (Files.exists(dir)) {
        if (!Files.isDirectory(dir)) {
          throw new AppException(ErrorCode.CONFLICT, "The target " + dir + " is a file, not a state directory.",
              target.describe());
        }
        try (Stream<Path> entries = Files.list(dir)) {
          if (entries.findAny().isPresent()) {
            throw new AppException(ErrorCode.CONFLICT, "The target state directory " + dir + " is not empty: a "
                + "restore only goes into a new or empty one.", target.describe());
          }
        }
      }
      return null;
    });
  }

  private Future<Void> apply(Path backup, JsonObject manifest, Target target, byte[] key) {
    Path state = target.stateDir();
    Future<Void> prepared = state == null ? Future.succeededFuture() : vertx.<Void>executeBlocking(() -> {
      try {
        Files.createDirectories(state);
      } catch (IOException e) {
        throw AppException.invalid("target.state_dir", "Cannot create the state directory " + state + ": "
            + e.getMessage());
      }
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
      }
      Files.createDirectories(state.resolve("cloud"));
      if (key != null) {
        SecretBox.writeKeyFile(state, key);
      }
      return null;
    });
    Path sqlite = state == null ? null : state.resolve("cloud").resolve("jobs.db");
    return prepared.compose(v -> withTarget(target.databaseUrl(), sqlite, t -> load(t, backup, manifest)))
        .recover(e -> state == null ? Future.failedFuture(e) : vertx.executeBlocking(() -> {
          // It was empty: leave it so, and a second attempt is not refused as non-empty.
          if (Files.isDirectory(state)) {
            try (Stream<Path> entries = Files.list(state)) {
              for (Path p : entries.toList()) {
                BackupDir.deleteTree(p);
              }
            }
          }
          return null;
        }).transform(x -> Future.failedFuture(e)));
  }

  private Future<Void> load(RestoreTarget target, Path backup, JsonObject manifest) {
    JsonObject tables = manifest.getJsonObject("tables");
    JsonObject sequences = manifest.getJsonObject("sequences", new JsonObject());
    return target.migrate(manifest.getJsonObject("source").getInteger("schema_version"))
        .compose(v -> target.load(loader -> {
          Future<Void> chain = Future.succeededFuture();
          for (String table : tables.fieldNames()) {
            JsonObject t = tables.getJsonObject(table);
            List<String> columns = t.getJsonArray("columns").stream().map(String::valueOf).toList();
            chain = chain.compose(x -> {
              List<String> present = loader.columns(table);
              if (present == null || !present.containsAll(columns)) {
                return Future.failedFuture(new AppException(ErrorCode.CONFLICT, "The target's table " + table
                    + " does not have the backup's columns " + columns + "."));
              }
              return TableReader.each(vertx, BackupDir.tableFile(backup, table), t.getString("sha256"),
                  t.getLong("rows"), rows -> loader.insert(table, columns, rows)).mapEmpty();
            });
          }
          Map<String, Long> saved = new LinkedHashMap<>();
          sequences.forEach(e -> saved.put(e.getKey(), ((Number) e.getValue()).longValue()));
          return chain.compose(x -> loader.sequences(saved));
        }));
  }

  private <T> Future<T> withTarget(String databaseUrl, Path sqlite, java.util.function.Function<RestoreTarget,
      Future<T>> work) {
    RestoreTarget target;
    try {
      target = RestoreTarget.open(vertx, databaseUrl, sqlite);
    } catch (RuntimeException e) {
      return Future.failedFuture(AppException.invalid("target.database_url", "Cannot use the target database: "
          + e.getMessage()));
    }
    return work.apply(target).eventually(target::close);
  }

  private static JsonObject answer(JsonObject manifest, Target target, Map<String, Long> before, byte[] key,
                                   String passphrase, boolean dryRun) {
    JsonObject tables = new JsonObject();
    manifest.getJsonObject("tables").forEach(e -> {
      long rows = ((JsonObject) e.getValue()).getLong("rows");
      tables.put(e.getKey(), new JsonObject().put("backup_rows", rows)
          .put("target_rows_before", before.getOrDefault(e.getKey(), 0L))
          .put("target_rows_after", dryRun ? before.getOrDefault(e.getKey(), 0L) : rows));
    });
    JsonArray warnings = new JsonArray();
    JsonObject keyInfo = manifest.getJsonObject("key", new JsonObject());
    boolean included = keyInfo.getBoolean("included", false);
    if (!included) {
      warnings.add("The backup does not hold the encryption key: start the restored server with the old key "
          + "(copy secret.key into its state directory, or set SIMPLETUNER_SECRET_KEY), or provider secrets "
          + "saved in it will not open.");
    } else if (passphrase == null) {
      warnings.add("The backup holds the encryption key but no passphrase was given: it is not restored.");
    } else if (target.stateDir() == null) {
      warnings.add("The key opened, but a database-only target has no state directory to keep it: give "
          + "state_dir as well, or set SIMPLETUNER_SECRET_KEY on the restored server.");
    }
    warnings.add("Received files (the storage endpoint's objects, validation images) are not in backups: "
        + "copy <state>/cloud_outputs and <state>/cloud/artifacts yourself.");
    return new JsonObject().put("success", true).put("dry_run", dryRun)
        .put("backup_id", manifest.getString("id"))
        .put("restored_components", manifest.getJsonArray("components"))
        .put("target", target.describe())
        .put("key_restored", !dryRun && key != null && target.stateDir() != null)
        .put("key_fingerprint", keyInfo.getString("fingerprint"))
        .put("tables", tables)
        .put("warnings", warnings);
  }

  private static Map<String, Long> zeros(List<String> tables) {
    Map<String, Long> out = new LinkedHashMap<>();
    tables.forEach(t -> out.put(t, 0L));
    return out;
  }
}

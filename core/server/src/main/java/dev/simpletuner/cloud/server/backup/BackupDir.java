package dev.simpletuner.cloud.server.backup;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where backups live: {@code <state>/backups/<id>/} with {@code manifest.json} and one gzipped
 * JSON-lines file per table under {@code tables/}. A backup is written under a dot-name and renamed
 * into place when complete, so a listing never shows half of one. Ids are checked against one
 * pattern before they touch a path, so none can leave the folder.
 */
final class BackupDir {
  static final String MANIFEST = "manifest.json";
  private static final Pattern ID = Pattern.compile("bk_[0-9]{8}T[0-9]{6}_[0-9a-f]{8}");
  private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
      .withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Path root;

  BackupDir(Path stateDir) {
    this.root = stateDir.resolve("backups");
  }

  Path root() {
    return root;
  }

  static String newId(long now) {
    byte[] r = new byte[4];
    RANDOM.nextBytes(r);
    return "bk_" + STAMP.format(java.time.Instant.ofEpochMilli(now)) + "_" + HexFormat.of().formatHex(r);
  }

  /** The folder of backup {@code id}; a malformed id is a 400, an absent one a 404. */
  Path existing(String id) {
    Path dir = root.resolve(checked(id));
    if (!Files.isRegularFile(dir.resolve(MANIFEST))) {
      throw new AppException(ErrorCode.NOT_FOUND, "No backup " + id + ".", new JsonObject().put("backup_id", id));
    }
    return dir;
  }

  /** Where backup {@code id} is written until it is complete. */
  Path partial(String id) {
    return root.resolve("." + checked(id) + ".partial");
  }

  Path finished(String id) {
    return root.resolve(checked(id));
  }

  static String checked(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new AppException(ErrorCode.INVALID_INPUT, "A backup id looks like bk_20260101T120000_0a1b2c3d.",
          new JsonObject().put("field", "backup_id"));
    }
    return id;
  }

  /** The file of {@code table} inside a backup folder (table names come from the manifest). */
  static Path tableFile(Path backup, String table) {
    if (!TABLE.matcher(table).matches()) {
      throw new AppException(ErrorCode.INVALID_INPUT, "The backup names an odd table: " + table);
    }
    return backup.resolve("tables").resolve(table + ".jsonl.gz");
  }

  static JsonObject manifest(Path backup) {
    try {
      return new JsonObject(Files.readString(backup.resolve(MANIFEST), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      throw new AppException(ErrorCode.INVALID_INPUT, "Not a readable backup manifest: " + backup.resolve(MANIFEST));
    }
  }

  /** Every complete backup's manifest, newest first. */
  List<JsonObject> list() {
    List<JsonObject> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.filter(d -> ID.matcher(d.getFileName().toString()).matches()).toList()) {
        if (Files.isRegularFile(dir.resolve(MANIFEST))) {
          out.add(manifest(dir));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(Comparator.comparing((JsonObject m) -> m.getString("id")).reversed());
    return out;
  }

  Optional<JsonObject> find(String id) {
    Path dir = root.resolve(checked(id));
    return Files.isRegularFile(dir.resolve(MANIFEST)) ? Optional.of(manifest(dir)) : Optional.empty();
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long size(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

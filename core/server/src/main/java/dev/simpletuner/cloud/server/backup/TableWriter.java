package dev.simpletuner.cloud.server.backup;

import dev.simpletuner.cloud.server.store.Tables;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Writes an export into a backup folder, one gzipped JSON-lines file per table (a line is one row's
 * values as a JSON array, in the manifest's column order). Files are written on a worker thread,
 * in order; each page's future completes when it is on disk, so the export never outruns the disk.
 */
final class TableWriter implements Tables.Sink {
  private final Vertx vertx;
  private final Path dir;
  private final JsonObject tables = new JsonObject();
  private BufferedWriter out;
  private MessageDigest digest;
  private String current;
  private long rows;

  TableWriter(Vertx vertx, Path dir) {
    this.vertx = vertx;
    this.dir = dir;
  }

  @Override
  public Future<Void> table(Tables.Table table) {
    return vertx.executeBlocking(() -> {
      closeCurrent();
      Path file = BackupDir.tableFile(dir, table.name());
      Files.createDirectories(file.getParent());
      digest = sha256();
      out = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(new DigestOutputStream(
          Files.newOutputStream(file), digest)), StandardCharsets.UTF_8));
      current = table.name();
      rows = 0;
      tables.put(table.name(), new JsonObject().put("columns", new JsonArray(table.columns()))
          .put("types", new JsonArray(table.types())).put("file", dir.relativize(file).toString()));
      return null;
    });
  }

  @Override
  public Future<Void> rows(String table, List<JsonArray> page) {
    return vertx.executeBlocking(() -> {
      for (JsonArray row : page) {
        out.write(row.encode());
        out.write('\n');
      }
      rows += page.size();
      return null;
    });
  }

  /** Closes the last file; the tables' columns, row counts and checksums, for the manifest. */
  Future<JsonObject> finish() {
    return vertx.executeBlocking(() -> {
      closeCurrent();
      return tables;
    });
  }

  /** After a failure: closes what is open (the partial folder is deleted by the caller). */
  void abandon() {
    try {
      if (out != null) {
        out.close();
      }
    } catch (IOException ignored) {
      // the folder goes anyway
    }
  }

  private void closeCurrent() throws IOException {
    if (out == null) {
      return;
    }
    out.close();
    tables.getJsonObject(current).put("rows", rows).put("sha256", HexFormat.of().formatHex(digest.digest()));
    out = null;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

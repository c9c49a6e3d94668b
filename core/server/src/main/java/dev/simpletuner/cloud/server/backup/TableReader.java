package dev.simpletuner.cloud.server.backup;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;

/**
 * Reads one table file of a backup a page at a time on a worker thread, and at its end checks the
 * file's SHA-256 and row count against the manifest: a damaged backup fails the restore (whose
 * transaction then leaves the target as it was).
 */
final class TableReader {
  private static final int PAGE = 1000;

  private TableReader() {
  }

  /** Feeds every row of {@code file} to {@code consumer}, page by page. */
  static Future<Long> each(Vertx vertx, Path file, String sha256, long expectedRows,
                           Function<List<JsonArray>, Future<Void>> consumer) {
    return vertx.executeBlocking(() -> {
      if (!Files.isRegularFile(file) || !sha256(file).equals(sha256)) {
        throw damaged(file);
      }
      return new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(file)),
          StandardCharsets.UTF_8));
    })
        .compose(in -> loop(vertx, in, consumer, 0).eventually(() -> vertx.executeBlocking(() -> {
          in.close();
          return null;
        })))
        .map(count -> {
          if (count != expectedRows) {
            throw damaged(file);
          }
          return count;
        });
  }

  private static AppException damaged(Path file) {
    return new AppException(ErrorCode.INVALID_INPUT, "The backup file " + file.getFileName()
        + " is damaged (its checksum or row count differs from the manifest); nothing was restored.");
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest = TableWriter.sha256();
    try (var in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static Future<Long> loop(Vertx vertx, BufferedReader in, Function<List<JsonArray>, Future<Void>> consumer,
                                   long done) {
    return vertx.executeBlocking(() -> page(in)).compose(rows -> rows.isEmpty() ? Future.succeededFuture(done)
        : consumer.apply(rows).compose(v -> loop(vertx, in, consumer, done + rows.size())));
  }

  private static List<JsonArray> page(BufferedReader in) throws IOException {
    List<JsonArray> rows = new ArrayList<>(PAGE);
    String line;
    while (rows.size() < PAGE && (line = in.readLine()) != null) {
      rows.add(new JsonArray(line));
    }
    return rows;
  }
}

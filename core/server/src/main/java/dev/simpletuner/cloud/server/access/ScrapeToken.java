package dev.simpletuner.cloud.server.access;

import dev.simpletuner.cloud.server.contract.OperationTable;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The metrics scrape token (config {@code metrics.scrape_token}): a bearer token that a
 * Prometheus server sends, admitted only by operations whose contract security lists
 * {@code scrapeToken}, compared in constant time.
 */
final class ScrapeToken {
  private static final String SCHEME = "scrapeToken";

  private ScrapeToken() {
  }

  static boolean admits(OperationTable.Operation op, HttpServerRequest request, String token) {
    if (token == null || op.security().stream().noneMatch(s -> s instanceof JsonObject o && o.containsKey(SCHEME))) {
      return false;
    }
    String auth = request.getHeader("Authorization");
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    return MessageDigest.isEqual(auth.substring(7).strip().getBytes(StandardCharsets.UTF_8),
        token.getBytes(StandardCharsets.UTF_8));
  }
}

package dev.simpletuner.cloud.provider.replicate;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import dev.simpletuner.cloud.spi.net.CallFailures;
import io.vertx.ext.web.client.HttpRequest;
import java.net.ConnectException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The Replicate HTTP API (external-apis.md section 1): bearer auth, JSON, problem+json errors, and
 * retries with exponential backoff and full jitter that honour {@code Retry-After}. Only requests
 * that are safe to repeat are retried; a create is retried only when Replicate said it did not
 * process it (429) or the connection never opened. Calls are made with the host's network settings
 * (proxy, CAs, {@code http_timeout}), which upstream's own Replicate client ignores
 * (research/simpletuner-cloud.md, "The clients use their own httpx.AsyncClient").
 */
final class ReplicateClient {
  private static final int MAX_ATTEMPTS = 5;
  private static final long BASE_DELAY_MS = 250;
  private static final long MAX_DELAY_MS = 30_000;

  private final Vertx vertx;
  private final SwappableWebClient web;
  private final Supplier<String> baseUrl;
  private final Supplier<String> token;
  private final Supplier<Long> timeoutMs;

  /**
   * @param network the host's client options for this provider, read again on {@link #networkChanged()}
   */
  ReplicateClient(Vertx vertx, Supplier<HttpClientOptions> network, Supplier<String> baseUrl, Supplier<String> token,
                  Supplier<Long> timeoutMs) {
    this.timeoutMs = timeoutMs;
    this.vertx = vertx;
    this.web = new SwappableWebClient(vertx, network);
    this.baseUrl = baseUrl;
    this.token = token;
  }

  /** The network settings changed: later calls use a client built from the new ones. */
  void networkChanged() {
    web.rebuild();
  }

  /** {@code path} relative to {@code /v1}, or an absolute URL Replicate gave us (pagination). */
  Future<JsonObject> get(String path) {
    return call(HttpMethod.GET, path, null, true);
  }

  /** A POST that may be repeated without harm (cancel). */
  Future<JsonObject> postIdempotent(String path, JsonObject body) {
    return call(HttpMethod.POST, path, body, true);
  }

  /** A POST that creates something: never repeated unless Replicate refused it outright. */
  Future<JsonObject> create(String path, JsonObject body) {
    return call(HttpMethod.POST, path, body, false);
  }

  void close() {
    web.close();
  }

  private Future<JsonObject> call(HttpMethod method, String path, JsonObject body, boolean idempotent) {
    String url = path.startsWith("http") ? path : url(path);
    String host = CallFailures.host(url);
    return attempt(1, () -> web.call(client -> {
      long timeout = timeoutMs.get();
      HttpRequest<Buffer> request = authorized(client, method, url, timeout);
      return (body == null ? request.send() : request.sendJsonObject(body)).transform(ar -> Future.succeededFuture(
          ar.succeeded() ? new Answer(ar.result().statusCode(), ar.result().statusMessage(),
              ar.result().getHeader("Retry-After"), ar.result().getHeader("Content-Type"), ar.result().body(), null,
              CallFailures.proxy(client.options(), host))
              : new Answer(0, null, null, null, null, ar.cause(), CallFailures.describe(ar.cause(), client.options(),
                  host, timeout))));
    }), idempotent);
  }

  /**
   * An HTTP answer, or the failure that stood in for one.
   *
   * @param via for an answer: the proxy it came through, or null; for a failure: the failure in words
   */
  private record Answer(int status, String statusMessage, String retryAfter, String contentType, Buffer body,
                        Throwable failure, String via) {
  }

  private HttpRequest<Buffer> authorized(SwappableWebClient.Generation client, HttpMethod method, String url,
                                         long timeout) {
    String t = token.get();
    if (t == null || t.isBlank()) {
      throw new ReplicateException(401, "No Replicate API token: set REPLICATE_API_TOKEN or save one in Settings.");
    }
    return client.web().requestAbs(method, url).bearerTokenAuthentication(t.strip())
        .timeout(Math.max(1, timeout)) // Vert.x refuses a 0 ms timer
        .putHeader("Accept", "application/json");
  }

  private String url(String path) {
    String base = baseUrl.get();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return base + (base.endsWith("/v1") ? "" : "/v1") + path;
  }

  private Future<JsonObject> attempt(int n, Supplier<Future<Answer>> send, boolean idempotent) {
    Future<Answer> sent;
    try {
      sent = send.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return sent.compose(r -> {
      if (r.failure() == null && r.status() < 400) {
        return Future.succeededFuture(json(r));
      }
      boolean retry;
      long retryAfter = -1;
      Throwable failure;
      if (r.failure() == null) {
        int status = r.status();
        failure = new ReplicateException(status, "Replicate API error " + status
            + (r.via() == null ? "" : " (through the proxy " + r.via() + ")") + ": " + detail(r));
        retry = status == 429 || idempotent && (status == 500 || status == 502 || status == 503 || status == 504);
        retryAfter = retryAfterMillis(r.retryAfter());
      } else {
        failure = new ReplicateException(0, "Replicate did not answer: " + r.via() + ".");
        retry = idempotent || r.failure() instanceof ConnectException;
      }
      if (!retry || n >= MAX_ATTEMPTS) {
        return Future.failedFuture(failure);
      }
      long backoff = ThreadLocalRandom.current().nextLong(Math.min(MAX_DELAY_MS, BASE_DELAY_MS << (n - 1)) + 1);
      long delay = Math.max(backoff, Math.min(retryAfter, 60_000));
      return vertx.timer(delay).compose(v -> attempt(n + 1, send, idempotent));
    });
  }

  private static JsonObject json(Answer r) {
    Buffer body = r.body();
    if (body == null || body.length() == 0) {
      return new JsonObject();
    }
    try {
      return body.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new ReplicateException(r.status(), "Replicate sent a response that is not JSON.");
    }
  }

  private static String detail(Answer r) {
    String text = r.body() == null ? null : r.body().toString();
    try {
      JsonObject problem = text == null ? null : new JsonObject(text);
      if (problem != null) {
        String detail = problem.getString("detail", problem.getString("title"));
        if (detail != null) {
          return detail;
        }
      }
    } catch (RuntimeException notJson) {
      // fall through to the raw text
    }
    // An HTML page is a proxy's or gateway's, not Replicate's: its status line says more than its markup.
    boolean html = r.contentType() != null && r.contentType().toLowerCase(java.util.Locale.ROOT).contains("html");
    return text == null || text.isBlank() || html ? r.statusMessage()
        : text.length() > 300 ? text.substring(0, 300) : text;
  }

  /** {@code Retry-After} as seconds or an HTTP date; -1 when absent or unreadable. */
  static long retryAfterMillis(String header) {
    if (header == null || header.isBlank()) {
      return -1;
    }
    try {
      return Math.max(0, (long) (Double.parseDouble(header.strip()) * 1000));
    } catch (NumberFormatException e) {
      try {
        return Math.max(0, ZonedDateTime.parse(header.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()
            .toEpochMilli() - System.currentTimeMillis());
      } catch (RuntimeException unreadable) {
        return -1;
      }
    }
  }
}

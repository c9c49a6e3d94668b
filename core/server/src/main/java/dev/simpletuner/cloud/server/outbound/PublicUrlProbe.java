package dev.simpletuner.cloud.server.outbound;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * The seed's "webhook not receiving events" check: call this server through its public URL and
 * say precisely whether that reaches it.
 */
public final class PublicUrlProbe {
  private static final long TIMEOUT_MS = 10_000;
  private final WebClient client;
  private final String instance;

  /** @param instance what this server's liveness probe answers as {@code instance} */
  public PublicUrlProbe(Vertx vertx, String instance) {
    this.instance = instance;
    this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout((int) TIMEOUT_MS)
        .setFollowRedirects(false).setUserAgent("simpletuner-cloud-webhook-test"));
  }

  public Future<JsonObject> check(String url) {
    JsonObject result = new JsonObject().put("url", url).put("latency_ms", null).put("status_code", null);
    if (url == null || url.isBlank()) {
      return Future.succeededFuture(result.put("success", false).put("error", "No public URL is set. Start a tunnel "
          + "(ngrok http 8001) and paste its https URL in Settings → Webhook URL, or set SIMPLETUNER_PUBLIC_URL."));
    }
    String base = url.strip().replaceAll("/+$", "").replaceFirst("/api/.*$", "");
    if (!base.matches("(?i)https?://[^\\s/?#]+(/\\S*)?")) {
      return Future.succeededFuture(result.put("success", false).put("error", "The URL must start with http:// or "
          + "https:// and name a host."));
    }
    long started = System.nanoTime();
    return client.getAbs(base + "/api/cloud/health/live").timeout(TIMEOUT_MS).send()
        .map(response -> {
          double ms = Math.round((System.nanoTime() - started) / 10_000.0) / 100.0;
          result.put("latency_ms", ms).put("status_code", response.statusCode());
          JsonObject body = null;
          try {
            body = response.bodyAsJsonObject();
          } catch (RuntimeException notJson) {
            // reported below
          }
          if (response.statusCode() == 200 && body != null && instance.equals(body.getString("instance"))) {
            return result.put("success", true).put("error", null);
          }
          String what = response.statusCode() == 200 ? "something that is not this server (another instance, or "
              + "a tunnel pointing elsewhere)" : "HTTP " + response.statusCode() + " (is the tunnel running and "
              + "forwarding to this server's port?)";
          return result.put("success", false).put("error", "The URL answered, but with " + what + ".");
        })
        .recover(e -> Future.succeededFuture(result.put("success", false).put("error", explain(e))));
  }

  private static String explain(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof UnknownHostException) {
      return "The host name does not resolve (" + root.getMessage() + "). Check the URL and that the tunnel is up.";
    }
    if (root instanceof ConnectException) {
      return "Connection refused or unreachable: " + root.getMessage() + ".";
    }
    if (root instanceof SSLException) {
      return "TLS failed: " + root.getMessage() + ".";
    }
    if (root instanceof TimeoutException || String.valueOf(root.getMessage()).contains("timeout")) {
      return "No answer within " + TIMEOUT_MS / 1000 + " s.";
    }
    return "The call failed: " + root;
  }
}

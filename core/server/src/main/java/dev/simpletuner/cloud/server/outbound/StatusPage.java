package dev.simpletuner.cloud.server.outbound;

import io.vertx.core.Future;
import dev.simpletuner.cloud.spi.net.CallFailures;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Set;

/**
 * A provider's public status page (Atlassian Statuspage's {@code /api/v2/summary.json}), in the
 * reference's shape: {@code operational} (indicator none or minor), ongoing incidents, maintenances
 * in progress and scheduled, and the page's URL. An unreachable page is said in {@code error}.
 * It is read with the provider's network settings (proxy, CAs, timeout), like the provider's own calls.
 */
public final class StatusPage {
  private static final Set<String> IN_PROGRESS = Set.of("in_progress", "verifying");
  private final Vertx vertx;

  public StatusPage(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Read through a client of its own: the page is read rarely, and the settings may have changed since. */
  public Future<JsonObject> summary(String url, NetworkSettings network) {
    JsonObject result = new JsonObject().putNull("operational").put("ongoing_incidents", new JsonArray())
        .put("in_progress_maintenances", new JsonArray()).put("scheduled_maintenances", new JsonArray())
        .putNull("status_page_url").putNull("error");
    if (url == null) {
      return Future.succeededFuture(result.put("error", "No status page is configured."));
    }
    HttpClientOptions options = network.clientOptions();
    WebClient client = WebClient.create(vertx, new WebClientOptions(options).setUserAgent("simpletuner-cloud-status"));
    return client.getAbs(url).timeout(network.timeoutMillis()).send().map(response -> {
      if (response.statusCode() != 200) {
        return result.put("error", "The status page answered HTTP " + response.statusCode() + ".");
      }
      JsonObject page = response.bodyAsJsonObject();
      String indicator = page.getJsonObject("status", new JsonObject()).getString("indicator");
      result.put("operational", "none".equals(indicator) || "minor".equals(indicator))
          .put("indicator", indicator)
          .put("description", page.getJsonObject("status", new JsonObject()).getString("description"))
          .put("status_page_url", page.getJsonObject("page", new JsonObject()).getString("url"))
          .put("ongoing_incidents", page.getJsonArray("incidents", new JsonArray()));
      for (Object m : page.getJsonArray("scheduled_maintenances", new JsonArray())) {
        if (m instanceof JsonObject maintenance) {
          result.getJsonArray(IN_PROGRESS.contains(maintenance.getString("status")) ? "in_progress_maintenances"
              : "scheduled_maintenances").add(maintenance);
        }
      }
      return result;
    }).recover(e -> Future.succeededFuture(result.put("error", "Could not read the status page " + url + ": "
        + CallFailures.describe(e, options, CallFailures.host(url), network.timeoutMillis()))))
        .andThen(done -> client.close());
  }
}

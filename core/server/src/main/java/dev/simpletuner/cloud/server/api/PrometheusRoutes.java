package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.metrics.MetricCategory;
import dev.simpletuner.cloud.server.metrics.StoreGauges;
import dev.simpletuner.cloud.server.metrics.Telemetry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The Prometheus export at the reference's paths and at {@code /metrics}. Who may read it (an
 * account or key with metrics.read, or the scrape token) is the access guard's business.
 */
final class PrometheusRoutes {
  private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final StoreGauges gauges;
  private final java.util.Set<String> exported;

  PrometheusRoutes(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    Telemetry telemetry = Telemetry.of(vertx);
    this.registry = telemetry.registry();
    this.gauges = telemetry.storeGauges(ctx);
    this.exported = ctx.config().metrics().categories();
  }

  void mount(ContractRouter ops) {
    ops.on("getPrometheusMetrics", this::scrape);
    ops.on("getPrometheusMetricsAlias", this::scrape);
    ops.on("scrapeMetrics", this::scrape);
    ops.on("getPrometheusInfo", rc -> {
      JsonArray families = new JsonArray();
      registry.getMeters().stream().map(m -> m.getId().getConventionName(registry.config().namingConvention()))
          .distinct().sorted().forEach(families::add);
      JsonArray categories = new JsonArray();
      MetricCategory.parse(exported).forEach(c -> categories.add(c.id()));
      Responses.json(rc, 200, new JsonObject().put("enabled", true).put("endpoint", "/api/metrics/prometheus")
          .put("categories", categories).put("metric_families", families));
    });
  }

  /** JSON for a client that asks for it and not for text (the reference's CLI sends Accept: application/json). */
  static boolean wantsJson(String accept) {
    return accept != null && accept.contains("application/json") && !accept.contains("text/plain");
  }

  private void scrape(RoutingContext rc) {
    // Writing out every series is plain CPU work that grows with them: a worker thread does it.
    gauges.fresh()
        .compose(v -> vertx.executeBlocking(() -> registry.scrape(TEXT_FORMAT), false))
        .onSuccess(text -> {
          if (wantsJson(rc.request().getHeader(HttpHeaders.ACCEPT))) {
            Responses.json(rc, 200, new JsonObject().put("metrics", text));
          } else {
            rc.response().putHeader(HttpHeaders.CONTENT_TYPE, TEXT_FORMAT).end(text);
          }
        })
        .onFailure(rc::fail);
  }
}

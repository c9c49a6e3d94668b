package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.metrics.StoreGauges;
import dev.simpletuner.cloud.server.metrics.Telemetry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
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

  PrometheusRoutes(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    Telemetry telemetry = Telemetry.of(vertx);
    this.registry = telemetry.registry();
    this.gauges = telemetry.storeGauges(ctx);
  }

  void mount(ContractRouter ops) {
    ops.on("getPrometheusMetrics", this::scrape);
    ops.on("getPrometheusMetricsAlias", this::scrape);
    ops.on("scrapeMetrics", this::scrape);
  }

  private void scrape(RoutingContext rc) {
    // Writing out every series is plain CPU work that grows with them: a worker thread does it.
    gauges.fresh()
        .compose(v -> vertx.executeBlocking(() -> registry.scrape(TEXT_FORMAT), false))
        .onSuccess(text -> rc.response().putHeader(HttpHeaders.CONTENT_TYPE, TEXT_FORMAT).end(text))
        .onFailure(rc::fail);
  }
}

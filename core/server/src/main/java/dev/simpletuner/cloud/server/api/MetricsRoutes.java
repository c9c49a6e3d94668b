package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.Server;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.metrics.MetricsReport;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;

/** Figures and health. Health endpoints are public (liveness and readiness probes). */
public final class MetricsRoutes {
  /** Random per process: lets the webhook test tell this server from anything else at the URL. */
  public static final String INSTANCE = java.util.UUID.randomUUID().toString();
  private final ServerContext ctx;

  MetricsRoutes(ServerContext ctx) {
    this.ctx = ctx;
  }

  void mount(ContractRouter ops) {
    ops.on("getMetrics", rc -> {
      AccessGuard.principal(rc);
      Responses.reply(rc, MetricsReport.build(ctx, Params.queryInt(rc, "days", 30)));
    });
    ops.on("getHealth", this::health);
    ops.on("getLiveness", rc -> Responses.json(rc, 200, new JsonObject().put("status", "ok")
        .put("instance", INSTANCE)));
    ops.on("getReadiness", rc -> ctx.store().jobs().ping()
        .onSuccess(v -> Responses.json(rc, 200, new JsonObject().put("status", "ready")))
        .onFailure(e -> Responses.json(rc, 503, new AppException(ErrorCode.SERVICE_UNAVAILABLE,
            "Not ready: the database does not answer (" + e.getMessage() + ").").toJson())));
  }

  private void health(RoutingContext rc) {
    long started = System.nanoTime();
    Future<JsonObject> database = ctx.store().jobs().ping()
        .map(v -> component("database", "healthy", started, ctx.store().dialect().name().toLowerCase()))
        .recover(e -> Future.succeededFuture(component("database", "unhealthy", started, e.getMessage())));
    database.onSuccess(db -> {
      JsonArray components = new JsonArray().add(db);
      boolean degraded = false;
      for (var h : ctx.providers().all()) {
        String breaker = h.breakerState();
        boolean closed = "closed".equals(breaker);
        degraded |= !closed;
        components.add(new JsonObject().put("name", "circuit_breaker_" + h.id()).put("status", closed ? "healthy"
            : "degraded").put("state", breaker).put("latency_ms", 0).put("message", closed ? h.displayName()
            + " calls flow normally" : h.displayName() + " keeps failing; calls are paused (" + breaker + ")"));
      }
      String status = "unhealthy".equals(db.getString("status")) ? "unhealthy" : degraded ? "degraded" : "healthy";
      JsonObject body = new JsonObject().put("status", status);
      if ("unhealthy".equals(status)) {
        // What the reference CLI prints for a refusal.
        body.put("detail", "Unhealthy: the database does not answer (" + db.getString("message") + ").");
      }
      Responses.json(rc, "unhealthy".equals(status) ? 503 : 200, body
          .put("version", Server.VERSION)
          .put("uptime_seconds", Math.round((ctx.now() - ctx.startedAt()) / 100.0) / 10.0)
          .put("components", components)
          .put("timestamp", Instant.ofEpochMilli(ctx.now()).toString()));
    });
  }

  private static JsonObject component(String name, String status, long startedNanos, String message) {
    return new JsonObject().put("name", name).put("status", status)
        .put("latency_ms", Math.round((System.nanoTime() - startedNanos) / 10_000.0) / 100.0).put("message", message);
  }
}

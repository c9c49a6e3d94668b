package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.outbound.NetworkDefaults;
import dev.simpletuner.cloud.server.outbound.NetworkSettings;
import dev.simpletuner.cloud.server.outbound.StatusPage;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The server as a whole: remote shutdown, and the cloud provider's own status page. */
final class SystemRoutes {
  private static final String STATUS_PROVIDER = "replicate";
  private final Vertx vertx;
  private final ServerContext ctx;
  private final StatusPage statusPage;

  SystemRoutes(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.statusPage = new StatusPage(vertx);
  }

  void mount(ContractRouter ops) {
    ops.on("shutdownServer", this::shutdown);
    ops.on("getReplicateStatus", this::providerStatus);
    ops.on("getSystemStatus", this::providerStatus);
  }

  /** Off unless the operator allowed it; answered first, then this instance stops as on SIGTERM. */
  private void shutdown(RoutingContext rc) {
    Principal p = AccessGuard.principal(rc);
    if (!ctx.config().remoteShutdown()) {
      throw new AppException(ErrorCode.PERMISSION_DENIED, "Remote shutdown is off on this server: start it with "
          + "SIMPLETUNER_ALLOW_REMOTE_SHUTDOWN=true (or allow_remote_shutdown: true in config.yaml) to allow it.");
    }
    ctx.audit().record(p, "server.shutdown", "server", ctx.hostId(), "ok", new JsonObject(),
        AccessGuard.sourceIp(rc.request()), ctx.now()).onComplete(ar -> {
          rc.response().endHandler(v -> vertx.eventBus().send(Addresses.SHUTDOWN_REQUESTED, null));
          Responses.json(rc, 200, new JsonObject().put("success", true).put("status", "shutting_down")
              .put("message", "Stopping: running local jobs are stopped and recorded, as on SIGTERM."));
        });
  }

  private void providerStatus(RoutingContext rc) {
    AccessGuard.principal(rc);
    ProviderHandle provider = ctx.providers().get(STATUS_PROVIDER).orElse(null);
    String url = provider == null ? null : provider.settings().get("status_page_url");
    Responses.reply(rc, statusPage.summary(url, provider == null ? NetworkSettings.of(java.util.Map.of(),
        NetworkDefaults.NONE) : provider.network()));
  }
}

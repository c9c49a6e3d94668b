package dev.simpletuner.cloud.server.http;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.bus.Bus;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Inbound callbacks, each authenticated by its own credentials instead of a user session. */
final class WebhookRoutes {
  private final Vertx vertx;
  private final ServerContext ctx;

  WebhookRoutes(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
  }

  void mount(ContractRouter ops) {
    ops.on("trainerCallback", this::trainer);
  }

  /** A trainer's progress event; the per-job token is checked before anything is read from the store. */
  private void trainer(RoutingContext rc) {
    String jobId = Params.path(rc, "job_id");
    if (!ctx.callbackTokens().verify(jobId, presentedToken(rc))) {
      rc.fail(new AppException(ErrorCode.INVALID_TOKEN, "Missing or wrong job token. Send the auth_token from the "
          + "job's webhook_config in the X-API-Key header."));
      return;
    }
    Responses.reply(rc, Bus.request(vertx, Addresses.JOB_CALLBACK, new JsonObject().put("job_id", jobId)
        .put("event", Params.body(rc))));
  }

  private static String presentedToken(RoutingContext rc) {
    String key = rc.request().getHeader("X-API-Key");
    if (key != null) {
      return key;
    }
    String auth = rc.request().getHeader("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return auth.substring(7);
    }
    return null;
  }
}

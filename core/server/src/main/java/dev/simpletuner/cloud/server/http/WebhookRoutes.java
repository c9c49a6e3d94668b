package dev.simpletuner.cloud.server.http;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.bus.Bus;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.job.ProviderReports;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.settings.ProviderSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

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
    ops.on("providerWebhook", this::platform);
  }

  /** A provider platform's status webhook: verified by the plugin, matched to a job by its external id. */
  private void platform(RoutingContext rc) {
    ProviderHandle handle = new ProviderSettings(ctx).handle(Params.path(rc, "provider"));
    Map<String, String> headers = new HashMap<>();
    rc.request().headers().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
    String raw = rc.body().asString();
    Responses.reply(rc, handle.provider().parseWebhook(headers, raw)
        .recover(e -> Future.failedFuture(e instanceof SecurityException
            ? new AppException(ErrorCode.INVALID_TOKEN, e.getMessage())
            : e instanceof UnsupportedOperationException
                ? new AppException(ErrorCode.NOT_FOUND, "Provider " + handle.id() + " sends no webhooks.")
                : new AppException(ErrorCode.PROVIDER_ERROR, "Could not verify the webhook: " + e.getMessage())))
        .compose(status -> ctx.store().jobs().byExternalId(handle.id(), status.externalId()).compose(job -> {
          if (job.isEmpty()) {
            return Future.succeededFuture(new JsonObject().put("status", "ignored")
                .put("reason", "not a job of this server"));
          }
          return Bus.request(vertx, Addresses.JOB_PROVIDER_STATUS, new JsonObject().put("job_id", job.get().jobId())
                  .put("status", ProviderReports.toJson(status)))
              .map(r -> new JsonObject().put("status", "received").put("job_id", job.get().jobId()));
        })));
  }

  /** A trainer's progress event; the per-job token is checked before anything is read from the store. */
  private void trainer(RoutingContext rc) {
    String jobId = Params.path(rc, "job_id");
    if (!ctx.tokens().verifyCallback(jobId, presentedToken(rc))) {
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

package dev.simpletuner.cloud.server.http;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.artifact.ArtifactFiles;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.bus.Bus;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.ProviderReports;
import dev.simpletuner.cloud.server.job.StepProgress;
import dev.simpletuner.cloud.server.job.TrainerEvent;
import dev.simpletuner.cloud.server.job.TrainerEventReader;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.settings.ProviderSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.UUID;
import java.util.Locale;
import java.util.Map;

/** Inbound callbacks, each authenticated by its own credentials instead of a user session. */
final class WebhookRoutes {
  private final Vertx vertx;
  private final ServerContext ctx;
  private final StepProgress steps;

  WebhookRoutes(Vertx vertx, ServerContext ctx, StepProgress steps) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.steps = steps;
  }

  void mount(ContractRouter ops) {
    ops.onRaw("trainerCallback", this::trainer);
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
          if (status.log() != null) {
            vertx.eventBus().send(Addresses.JOB_LOG_TEXT, new JsonObject().put("job_id", job.get().jobId())
                .put("log", status.log()).put("ended", JobStatus.fromProvider(status.status()).isTerminal()));
          }
          return Bus.request(vertx, Addresses.JOB_PROVIDER_STATUS, new JsonObject().put("job_id", job.get().jobId())
                  .put("status", ProviderReports.toJson(status)))
              .map(r -> new JsonObject().put("status", "received").put("job_id", job.get().jobId()));
        })));
  }

  /**
   * A trainer's event; the per-job token is checked before the body is read. Validation events
   * carry base64 images of several MB each: the body is streamed (to a file when large), parsed on
   * a worker, and its images decoded straight into files (see TrainerEventReader).
   */
  private void trainer(RoutingContext rc) {
    String jobId = Params.path(rc, "job_id");
    if (!ctx.tokens().verifyCallback(jobId, presentedToken(rc))) {
      rc.fail(new AppException(ErrorCode.INVALID_TOKEN, "Missing or wrong job token. Send the auth_token from the "
          + "job's webhook_config in the X-API-Key header."));
      return;
    }
    Path incoming = new ArtifactFiles(ctx.config()).incomingDir();
    Path spill = incoming.resolve("body-" + UUID.randomUUID() + ".json");
    SpillingBody.receive(vertx, rc.request(), ctx.config().callbacks().maxBodyBytes(), spill)
        .compose(body -> parse(body, incoming).eventually(() -> body.file() == null ? Future.succeededFuture()
            : vertx.fileSystem().delete(spill.toString()).recover(e -> Future.succeededFuture())))
        .compose(event -> event.media().isEmpty() && steps.offer(jobId, TrainerEvent.parse(event.event()))
            ? Future.succeededFuture(new JsonObject().put("status", "received").put("job_id", jobId))
            : Bus.request(vertx, Addresses.JOB_CALLBACK, new JsonObject().put("job_id", jobId)
                .put("event", event.event()).put("media", event.media()))
            .onFailure(e -> event.media().forEach(m -> vertx.fileSystem().delete(((JsonObject) m).getString("file")))))
        .onSuccess(reply -> Responses.json(rc, 200, reply))
        .onFailure(e -> {
          if (e instanceof AppException app && app.code() == ErrorCode.PAYLOAD_TOO_LARGE) {
            rc.response().putHeader("Connection", "close"); // the rest of the body is not read
          }
          rc.fail(e);
        });
  }

  /**
   * Events of a step or a log record are a few hundred bytes: parsed on the event loop. Anything
   * with images writes files, so it is read on a worker.
   */
  private Future<TrainerEventReader.Read> parse(SpillingBody.Received body, Path mediaDir) {
    if (body.file() == null && body.size() < SMALL_EVENT && !body.memory().toString().contains("\"images\"")) {
      return Future.succeededFuture(read(new ByteArrayInputStream(body.memory().getBytes()), mediaDir));
    }
    return vertx.executeBlocking(() -> body.file() == null
        ? read(new ByteArrayInputStream(body.memory().getBytes()), mediaDir) : readFile(body.file(), mediaDir), false);
  }

  private static final int SMALL_EVENT = 16 * 1024;

  private static TrainerEventReader.Read read(InputStream in, Path mediaDir) {
    try {
      return TrainerEventReader.read(in, mediaDir);
    } catch (IllegalArgumentException e) {
      throw AppException.invalid("body", e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static TrainerEventReader.Read readFile(Path file, Path mediaDir) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, mediaDir);
    }
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

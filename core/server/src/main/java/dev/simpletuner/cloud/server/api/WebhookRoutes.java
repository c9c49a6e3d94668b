package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.settings.ProviderSettings;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.http.SpillingBody;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.artifact.ArtifactFiles;
import dev.simpletuner.cloud.server.command.JobCommands;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.job.JobAnswer;
import dev.simpletuner.cloud.server.callback.TrainerEventReader;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.UUID;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** Inbound callbacks, each authenticated by its own credentials instead of a user session. */
final class WebhookRoutes {
  private final Vertx vertx;
  private final ServerContext ctx;
  private final JobCommands commands;
  private final Path incoming;

  WebhookRoutes(Vertx vertx, ServerContext ctx, JobCommands commands) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.commands = commands;
    this.incoming = new ArtifactFiles(ctx.config()).incomingDir();
  }

  void mount(ContractRouter ops) {
    ops.onRaw("trainerCallback", this::trainer);
    ops.on("providerWebhook", this::platform);
  }

  /**
   * A provider platform's status webhook (see {@link JobCommands#providerReport}), from an allowed
   * source when the provider's {@code webhook_allowed_ips} is set.
   */
  private void platform(RoutingContext rc) {
    String provider = Params.path(rc, "provider");
    // The TCP peer: a forwarded-for header could be claimed through a tunnel that passes it on.
    String source = AccessGuard.sourceIp(rc.request());
    boolean allowed = ctx.providers().get(provider)
        .map(h -> ProviderSettings.webhookSources(h.saved()).allows(source)).orElse(true);
    if (!allowed) {
      ctx.audit().record(null, "security.webhook_source_refused", "provider", provider, "denied",
          new JsonObject().put("source", source), source, ctx.now());
      throw new AppException(ErrorCode.PERMISSION_DENIED, "Webhooks of " + provider + " are accepted only from "
          + "the addresses in its webhook_allowed_ips; " + source + " is not one of them.");
    }
    Map<String, String> headers = new HashMap<>();
    rc.request().headers().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
    Responses.reply(rc, commands.providerReport(Params.path(rc, "provider"), headers, rc.body().asString())
        .map(JobAnswer::toJson));
  }

  /**
   * A trainer's event; the per-job token is checked before the body is read. Validation events
   * carry base64 images of several MB each: the body is streamed (to a file when large), parsed on
   * a worker, and its images decoded straight into files (see TrainerEventReader).
   */
  private void trainer(RoutingContext rc) {
    String jobId = Params.path(rc, "job_id");
    if (!commands.trainerMayReport(jobId, presentedToken(rc))) {
      rc.fail(new AppException(ErrorCode.INVALID_TOKEN, "Missing or wrong job token. Send the auth_token from the "
          + "job's webhook_config in the X-API-Key header."));
      return;
    }
    SpillingBody.receive(vertx, rc.request(), ctx.config().callbacks().maxBodyBytes(),
            () -> incoming.resolve("body-" + UUID.randomUUID() + ".json"))
        .compose(body -> parse(body, incoming).eventually(() -> body.file() == null ? Future.succeededFuture()
            : vertx.fileSystem().delete(body.file().toString()).recover(e -> Future.succeededFuture())))
        .compose(event -> commands.trainerReport(jobId, event.event(), event.media()))
        .onSuccess(reply -> Responses.json(rc, 200, reply.toBuffer()))
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
    if (body.file() != null) {
      return vertx.executeBlocking(() -> readFile(body.file(), mediaDir), false);
    }
    byte[] bytes = body.memory().getBytes();
    if (bytes.length < SMALL_EVENT && !mayCarryMedia(bytes)) {
      try {
        return Future.succeededFuture(new TrainerEventReader.Read(TrainerEventReader.readPlain(bytes), new JsonArray()));
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(AppException.invalid("body", e.getMessage()));
      }
    }
    return vertx.executeBlocking(() -> read(new ByteArrayInputStream(bytes), mediaDir), false);
  }

  private static final int SMALL_EVENT = 16 * 1024;

  private static final List<byte[]> MEDIA_KEYS = Stream.of("\"images\"", "\"videos\"", "\"audios\"")
      .map(k -> k.getBytes(StandardCharsets.US_ASCII)).toList();

  /** Whether a media key appears anywhere in the body (searched as bytes: no copy per event). */
  private static boolean mayCarryMedia(byte[] body) {
    for (int i = 0; i < body.length - 1; i++) {
      // Each key starts with a different letter: most quotes are ruled out by the byte after them.
      if (body[i] != '"' || body[i + 1] != 'i' && body[i + 1] != 'v' && body[i + 1] != 'a') {
        continue;
      }
      for (byte[] key : MEDIA_KEYS) {
        if (Arrays.equals(body, i, Math.min(body.length, i + key.length), key, 0, key.length)) {
          return true;
        }
      }
    }
    return false;
  }

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

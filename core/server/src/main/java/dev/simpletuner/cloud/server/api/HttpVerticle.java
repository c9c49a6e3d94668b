package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.Contract;
import dev.simpletuner.cloud.server.contract.ContractCheck;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.contract.OperationTable;
import dev.simpletuner.cloud.server.contract.OperationValidator;
import dev.simpletuner.cloud.server.http.FailureHandler;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.RateLimiter;
import dev.simpletuner.cloud.server.command.JobCommands;
import dev.simpletuner.cloud.server.fleet.Fleet;
import dev.simpletuner.cloud.server.notify.Notifications;
import dev.simpletuner.cloud.server.s3.StorageHandler;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.openapi.contract.OpenAPIContract;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Serves the API from the OpenAPI contract (routing and request validation), the SSE streams, the
 * API docs and the browser UI. One instance per event loop; all instances share the port.
 */
public final class HttpVerticle extends VerticleBase {
  static final String CONTRACT = "openapi.yaml";
  private final ServerContext ctx;
  private final Map<String, RateLimiter> limiters;
  private final Future<ContractSource> contract;
  private final JobCommands commands;
  private final Fleet fleet;
  private HttpServer server;
  private HttpServer s3Server;

  /**
   * The contract as published (YAML), parsed, and its operations' validators: made once per
   * process and shared read-only by the HTTP verticles.
   */
  public record ContractSource(Buffer yaml, JsonObject published, Map<String, OperationValidator> validators) {
  }

  /** The contract's text and its parse. */
  public record ContractText(Buffer yaml, JsonObject published) {
  }

  /**
   * Reads and parses the contract on a thread of its own, started first thing: parsing the YAML is
   * a good part of start-up and needs nothing else, so it runs while Vert.x and the store start.
   */
  public static CompletableFuture<ContractText> parseContract() {
    return CompletableFuture.supplyAsync(() -> {
      try (InputStream in = HttpVerticle.class.getClassLoader().getResourceAsStream(CONTRACT)) {
        if (in == null) {
          throw new IllegalStateException("The API contract " + CONTRACT + " is missing from the server jar");
        }
        Buffer yaml = Buffer.buffer(in.readAllBytes());
        return new ContractText(yaml, Contract.parse(yaml));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, task -> {
      Thread parser = new Thread(task, "contract-parser");
      parser.setDaemon(true);
      parser.start();
    });
  }

  /**
   * Builds the validators of the parsed contract (checking it against the OpenAPI schema is the
   * other big part of start-up): once, shared by the HTTP verticles.
   */
  public static Future<ContractSource> prepareContract(Vertx vertx, CompletableFuture<ContractText> parsed) {
    return Future.fromCompletionStage(parsed, vertx.getOrCreateContext())
        .compose(text -> {
          ContractCheck.verify(text.published());
          return OpenAPIContract.from(vertx, Contract.forRouter(text.published()))
              .map(openApi -> new ContractSource(text.yaml(), text.published(), ContractRouter.validators(openApi)));
        });
  }

  /** @param limiters shared by all HTTP verticles of the process (see {@link #sharedLimiters(Map)}) */
  public HttpVerticle(ServerContext ctx, Map<String, RateLimiter> limiters, Future<ContractSource> contract,
                      JobCommands commands, Fleet fleet) {
    this.ctx = ctx;
    this.commands = commands;
    this.fleet = fleet;
    this.limiters = limiters;
    this.contract = contract;
  }

  public static Map<String, RateLimiter> sharedLimiters(Map<String, Integer> overrides) {
    return AccessGuard.sharedLimiters(overrides);
  }

  private static final int MAX_BODY_PIECE = 256 * 1024;

  @Override
  public Future<?> start() {
    // Continue on this verticle's own event loop (the shared future completes elsewhere), with
    // copies of its own of the JSON and the text (the validators are read-only).
    Promise<ContractSource> here = Promise.promise();
    contract.onComplete(ar -> context.runOnContext(v -> here.handle(ar)));
    return here.future()
        .map(source -> router(source.validators(), source.published().copy(), source.yaml().copy()))
        .compose(router -> {
          server = vertx.createHttpServer(new HttpServerOptions()
              .setCompressionSupported(true)
              // Request bodies arrive in pieces of this size: the 8 KiB default makes every large
              // upload a stream of tiny file writes.
              .setMaxChunkSize(MAX_BODY_PIECE)
              // A connection silent this long is closed (storage.idle_timeout_seconds), so storage
              // clients that stall or leave connections open do not pile up. Event streams send a
              // keep-alive every 15 s and long answers keep theirs busy, so they are not cut.
              .setIdleTimeout(ctx.config().storageLimits().idleTimeoutSeconds()));
          return server.requestHandler(router).listen(ctx.config().port(), ctx.config().host());
        })
        .compose(listening -> listenS3().map(listening));
  }

  /**
   * The storage endpoint at the root of its own port, when {@code storage.s3_port} is set: the same
   * handler (same credentials, same checks) as below {@link StorageHandler#PATH}.
   */
  private Future<?> listenS3() {
    int port = ctx.config().storage().s3Port();
    if (port == 0) {
      return Future.succeededFuture();
    }
    StorageHandler storage = new StorageHandler(vertx, ctx, "");
    s3Server = vertx.createHttpServer(new HttpServerOptions().setMaxChunkSize(MAX_BODY_PIECE).setIdleTimeout(0));
    return s3Server.requestHandler(storage::handle).listen(port, ctx.config().host());
  }

  private Router router(Map<String, OperationValidator> validators, JsonObject published, Buffer yaml) {
    ContractRouter operations = new ContractRouter();
    new JobRoutes(vertx, ctx, commands).mount(operations);
    new ConfigRoutes(ctx).mount(operations);
    new SweepRoutes(vertx, ctx).mount(operations);
    new ProviderRoutes(vertx, ctx).mount(operations);
    new DeliveryRoutes(ctx, commands).mount(operations);
    new ArtifactRoutes(ctx).mount(operations);
    new MetricsRoutes(ctx).mount(operations);
    new PrometheusRoutes(vertx, ctx).mount(operations);
    new WebhookRoutes(vertx, ctx, commands).mount(operations);
    new DocsRoutes(published, yaml).mount(operations);
    AccessGuard guard = new AccessGuard(new OperationTable(published), ctx, limiters);
    new AuthRoutes(vertx, ctx, guard).mount(operations);
    new ApiKeyRoutes(ctx).mount(operations);
    new UserRoutes(vertx, ctx).mount(operations);
    new AuditRoutes(ctx).mount(operations);
    new ClusterRoutes(ctx).mount(operations);
    new ApprovalRoutes(ctx, commands).mount(operations);
    new NotificationRoutes(new Notifications(vertx, ctx)).mount(operations);
    new WorkerRoutes(ctx, fleet).mount(operations);
    new QueueRoutes(ctx, commands, fleet).mount(operations);
    new SystemRoutes(vertx, ctx).mount(operations);
    new BackupRoutes(vertx, ctx).mount(operations);
    PendingRoutes.mount(operations, published);
    FailureHandler failures = new FailureHandler();
    Router root = Router.router(vertx);
    root.route().handler(HttpVerticle::securityHeaders);
    // S3 clients authenticate with per-job SigV4 credentials and stream their bodies: ahead of the
    // session guard and the body handler.
    root.route(StorageHandler.PATH + "/*").handler(new StorageHandler(vertx, ctx));
    root.route().handler(guard);
    operations.addRawTo(root, validators);
    root.route().method(HttpMethod.POST).method(HttpMethod.PUT).method(HttpMethod.PATCH)
        .handler(BodyHandler.create(false).setBodyLimit(ctx.config().maxBodyBytes()));
    operations.addTo(root, validators);
    DocsRoutes.mountAssets(root);
    root.route("/*").handler(StaticHandler.create("webroot").setIndexPage("index.html"));
    root.route().handler(rc -> rc.fail(404));
    root.route().failureHandler(failures);
    return root;
  }

  private static final CharSequence CONTENT_TYPE_OPTIONS = HttpHeaders.createOptimized("X-Content-Type-Options");
  private static final CharSequence NOSNIFF = HttpHeaders.createOptimized("nosniff");
  private static final CharSequence FRAME_OPTIONS = HttpHeaders.createOptimized("X-Frame-Options");
  private static final CharSequence DENY = HttpHeaders.createOptimized("DENY");
  private static final CharSequence REFERRER_POLICY = HttpHeaders.createOptimized("Referrer-Policy");
  private static final CharSequence NO_REFERRER = HttpHeaders.createOptimized("no-referrer");

  private static void securityHeaders(RoutingContext rc) {
    rc.response().headers()
        .set(CONTENT_TYPE_OPTIONS, NOSNIFF)
        .set(FRAME_OPTIONS, DENY)
        .set(REFERRER_POLICY, NO_REFERRER);
    rc.next();
  }

  @Override
  public Future<?> stop() {
    Future<Void> s3 = s3Server == null ? Future.succeededFuture() : s3Server.close();
    return server == null ? s3 : Future.all(server.close(), s3);
  }
}

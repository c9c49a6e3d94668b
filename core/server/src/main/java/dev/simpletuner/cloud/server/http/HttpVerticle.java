package dev.simpletuner.cloud.server.http;

import dev.simpletuner.cloud.server.ServerContext;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;

/**
 * Serves the API from the OpenAPI contract (routing and request validation), the SSE streams, the
 * API docs and the browser UI. One instance per event loop; all instances share the port.
 */
public final class HttpVerticle extends VerticleBase {
  static final String CONTRACT = "openapi.yaml";
  private final ServerContext ctx;
  private HttpServer server;

  public HttpVerticle(ServerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    return vertx.fileSystem().readFile(CONTRACT)
        .compose(yaml -> {
          JsonObject published = Contract.parse(yaml);
          return OpenAPIContract.from(vertx, Contract.forRouter(published))
              .map(contract -> router(contract, published, yaml));
        })
        .compose(router -> {
          server = vertx.createHttpServer(new HttpServerOptions()
              .setCompressionSupported(true)
              .setIdleTimeout(0));
          return server.requestHandler(router).listen(ctx.config().port(), ctx.config().host());
        });
  }

  private Router router(OpenAPIContract contract, JsonObject published, Buffer yaml) {
    RouterBuilder builder = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
    new JobRoutes(vertx, ctx).mount(builder);
    new ConfigRoutes(ctx).mount(builder);
    new ProviderRoutes(ctx).mount(builder);
    new MetricsRoutes(ctx).mount(builder);
    new WebhookRoutes(vertx, ctx).mount(builder);
    new DocsRoutes(published, yaml).mount(builder);
    for (OpenAPIRoute route : builder.getRoutes()) {
      if (route.getHandlers().isEmpty()) {
        throw new IllegalStateException("No handler for operation " + route.getOperation().getOperationId());
      }
    }
    FailureHandler failures = new FailureHandler();
    Router api = builder.createRouter();
    api.route().failureHandler(failures);

    Router root = Router.router(vertx);
    root.route().handler(HttpVerticle::securityHeaders);
    root.route().handler(new AccessGuard(new ContractRoutes(published)));
    root.route().handler(BodyHandler.create(false).setBodyLimit(ctx.config().maxBodyBytes()));
    root.route("/*").subRouter(api);
    DocsRoutes.mountAssets(root);
    root.route("/*").handler(StaticHandler.create("webroot").setIndexPage("index.html"));
    root.route().handler(rc -> rc.fail(404));
    root.route().failureHandler(failures);
    return root;
  }

  private static void securityHeaders(RoutingContext rc) {
    rc.response().headers()
        .set("X-Content-Type-Options", "nosniff")
        .set("X-Frame-Options", "DENY")
        .set("Referrer-Policy", "no-referrer");
    rc.next();
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}

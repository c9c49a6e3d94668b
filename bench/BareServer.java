import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Benchmark baseline: bare Vert.x Web routes with as many event loops as the real server uses: a
 * GET that returns a constant JSON body (the same bytes the real server returns for one job), and
 * a POST that reads a trainer event's body (up to 64 MiB, as the real callback route) and answers.
 * Run: java -cp core/server/target/simpletuner-cloud.jar bench/BareServer.java PORT BODY_FILE
 */
public class BareServer extends VerticleBase {
  private static Buffer body;
  private static int port;

  public static void main(String[] args) throws Exception {
    port = Integer.parseInt(args[0]);
    body = Buffer.buffer(Files.readAllBytes(Path.of(args[1])));
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(BareServer::new,
        new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors())).await();
    System.out.println("bare server on " + port);
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/api/cloud/jobs/:id").handler(rc -> rc.response()
        .putHeader("Content-Type", "application/json").end(body));
    router.post("/api/webhooks/trainer/:id").handler(BodyHandler.create(false).setBodyLimit(64L << 20))
        .handler(rc -> rc.response().putHeader("Content-Type", "application/json")
            .end("{\"status\":\"received\",\"job_id\":\"" + rc.pathParam("id") + "\"}"));
    return vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1");
  }
}

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Benchmark baseline for bench/workers.sh: bare Vert.x Web routes with the worker agent's paths
 * that hand out JOBS {@code job_submit} events over SSE, one to each worker when its stream opens
 * and one after each {@code completed} report is answered, from memory: the transport's own cost
 * of the hand-over, with no database, matching or claim. As many event loops as the server uses.
 * Run: java -cp core/server/target/simpletuner-cloud.jar bench/BareFleet.java PORT JOBS
 */
public class BareFleet extends VerticleBase {
  private record Stream(Context context, HttpServerResponse response) {
  }

  private static final Map<String, Stream> streams = new ConcurrentHashMap<>();
  private static final AtomicInteger left = new AtomicInteger();
  private static final JsonObject CONFIG = new JsonObject().put("--model_family", "flux").put("--model_type", "lora");
  private static int port;

  public static void main(String[] args) throws Exception {
    port = Integer.parseInt(args[0]);
    left.set(Integer.parseInt(args[1]));
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(BareFleet::new,
        new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors())).await();
    System.out.println("bare fleet on " + port);
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create());
    router.post("/api/workers/register").handler(rc -> rc.json(new JsonObject()
        .put("worker_id", rc.body().asJsonObject().getString("name")).put("sse_url", "/api/workers/stream")));
    router.post("/api/workers/heartbeat").handler(rc -> rc.json(new JsonObject().put("success", true)));
    router.get("/api/workers/stream").handler(rc -> {
      String worker = rc.queryParams().get("worker_id");
      HttpServerResponse response = rc.response().setChunked(true)
          .putHeader("Content-Type", "text/event-stream").putHeader("Content-Encoding", "identity");
      response.write(": connected\n\n");
      streams.put(worker, new Stream(vertx.getOrCreateContext(), response));
      next(worker);
    });
    router.post("/api/workers/job/:job/status").handler(rc -> {
      boolean completed = "completed".equals(rc.body().asJsonObject().getString("status"));
      String worker = rc.request().getHeader("X-Worker-Token");
      if (completed) {
        rc.response().endHandler(v -> next(worker));
      }
      rc.json(new JsonObject().put("success", true));
    });
    return vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1");
  }

  private static void next(String worker) {
    if (left.getAndDecrement() <= 0) {
      return;
    }
    Stream stream = streams.get(worker);
    String job = java.util.UUID.randomUUID().toString();
    String event = new JsonObject().put("type", "job_submit").put("job_id", job).put("provider", "kubeflow")
        .put("config", CONFIG).put("upload_endpoint", "/api/cloud/storage").encode();
    stream.context().runOnContext(v -> stream.response().write("data: " + event + "\n\n"));
  }
}

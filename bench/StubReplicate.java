import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/**
 * Benchmark stand-in for Replicate: accepts every prediction at once and leaves it "starting", so
 * a submit benchmark measures this server (database, idempotency, dispatch, one provider call), not
 * a trainer. Not a faithful fake (the tests have that); just the answers a submit needs.
 * Run: java -cp core/server/target/simpletuner-cloud.jar bench/StubReplicate.java PORT
 */
public class StubReplicate {
  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    Vertx vertx = Vertx.vertx();
    Router r = Router.router(vertx);
    r.get("/v1/account").handler(rc -> json(rc, 200, new JsonObject().put("type", "user").put("username", "bench")));
    r.get("/v1/models/:owner/:name").handler(rc -> json(rc, 200, new JsonObject()
        .put("latest_version", new JsonObject().put("id", "a".repeat(64)))));
    r.post("/v1/predictions").handler(rc -> rc.request().body().onSuccess(b -> json(rc, 201, prediction(
        UUID.randomUUID().toString().replace("-", "")))));
    r.get("/v1/predictions").handler(rc -> json(rc, 200, new JsonObject().put("results", new JsonArray())
        .putNull("next")));
    r.get("/v1/predictions/:id").handler(rc -> json(rc, 200, prediction(rc.pathParam("id"))));
    vertx.createHttpServer().requestHandler(r).listen(port, "127.0.0.1").await();
    System.out.println("stub replicate on " + port);
  }

  private static JsonObject prediction(String id) {
    return new JsonObject().put("id", id).put("status", "starting").put("created_at", "2026-01-01T00:00:00Z")
        .put("input", new JsonObject()).put("logs", "");
  }

  private static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}

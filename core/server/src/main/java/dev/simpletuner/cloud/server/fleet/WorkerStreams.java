package dev.simpletuner.cloud.server.fleet;

import dev.simpletuner.cloud.server.http.Sse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The worker event streams this process holds, at most one per worker (a reconnect replaces the
 * old one). Each stream lives on the HTTP verticle that accepted it and is reached through an
 * event-bus address of its own, so the fleet can push to it and learn whether the write happened.
 * The agent reads only {@code data: <one JSON object>} lines and dispatches on {@code type}.
 */
public final class WorkerStreams {
  static final long PING_MS = 15_000;
  private static final String OP = "op";
  private static final DeliveryOptions END = new DeliveryOptions().addHeader(OP, "end");
  private final Map<String, String> addresses = new ConcurrentHashMap<>();

  boolean holds(String workerId) {
    return addresses.containsKey(workerId);
  }

  Set<String> held() {
    return Set.copyOf(addresses.keySet());
  }

  /** Writes one event to the worker's stream in this process; fails when it has none or it ended. */
  Future<Void> push(Vertx vertx, String workerId, JsonObject event) {
    String address = addresses.get(workerId);
    if (address == null) {
      return Future.failedFuture(new IllegalStateException("worker " + workerId + " has no stream here"));
    }
    return vertx.eventBus().request(address, event).mapEmpty();
  }

  /** Ends the worker's stream here, if it has one (its token was revoked, or it was deleted). */
  void end(Vertx vertx, String workerId) {
    String address = addresses.get(workerId);
    if (address != null) {
      vertx.eventBus().send(address, null, END);
    }
  }

  /**
   * Serves the worker's stream on this request until either side ends it.
   *
   * @param stillValid asked at every ping whether the worker's token still holds
   * @param onClose    runs once when the stream has ended
   */
  void open(RoutingContext rc, String workerId, Supplier<Future<Boolean>> stillValid, Runnable onClose) {
    Vertx vertx = rc.vertx();
    String address = "fleet.stream." + workerId + "." + UUID.randomUUID();
    MessageConsumer<JsonObject>[] consumer = new MessageConsumer[1];
    long[] ping = {-1};
    Sse sse = Sse.open(rc, () -> {
      vertx.cancelTimer(ping[0]);
      consumer[0].unregister();
      if (addresses.remove(workerId, address)) {
        onClose.run();
      }
    });
    consumer[0] = vertx.eventBus().localConsumer(address, m -> {
      if ("end".equals(m.headers().get(OP))) {
        sse.end();
      } else if (sse.send(null, null, m.body().encode())) {
        m.reply(null);
      } else {
        m.fail(503, "the worker's stream has ended");
      }
    });
    String previous = addresses.put(workerId, address);
    if (previous != null) {
      vertx.eventBus().send(previous, null, END);
    }
    ping[0] = vertx.setPeriodic(PING_MS, id -> stillValid.get().onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        sse.send(null, null, new JsonObject().put("type", "ping").encode());
      } else if (ar.succeeded()) {
        sse.end();
      }
    }));
    sse.send(null, null, new JsonObject().put("type", "ping").encode());
  }
}

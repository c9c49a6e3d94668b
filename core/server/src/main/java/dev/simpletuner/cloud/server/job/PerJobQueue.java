package dev.simpletuner.cloud.server.job;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs the work for one job strictly in order (a report waits for the dispatch before it, a cancel
 * for the report). Confined to one verticle's event loop.
 */
public final class PerJobQueue {
  private final Map<String, Future<?>> tails = new HashMap<>();

  public <T> Future<T> run(String key, Supplier<Future<T>> work) {
    Future<?> previous = tails.getOrDefault(key, Future.succeededFuture());
    Future<T> next = previous.transform(ignored -> {
      try {
        return work.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    });
    tails.put(key, next);
    next.onComplete(ar -> tails.remove(key, next));
    return next;
  }
}

package dev.simpletuner.cloud.server.cluster;

import dev.simpletuner.cloud.server.store.ClusterStore;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * This instance's side of the leases in the database: background work that only one instance may
 * do at a time (polling a provider, ...) runs only while {@link #hold} says this instance owns it.
 * The cluster verticle renews every held lease on its heartbeat; a lease not renewed within
 * {@link #TTL_MILLIS} (the instance died or lost the database) goes to whoever asks next.
 */
public final class Leases {
  public static final long TTL_MILLIS = 20_000;

  private final ClusterStore store;
  private final String owner;
  private final Clock clock;
  private final Map<String, Long> held = new ConcurrentHashMap<>();

  public Leases(ClusterStore store, String owner, Clock clock) {
    this.store = store;
    this.owner = owner;
    this.clock = clock;
  }

  public String owner() {
    return owner;
  }

  /** Takes or keeps the lease; true while this instance owns it. */
  public Future<Boolean> hold(String name) {
    return store.hold(name, owner, clock.millis(), TTL_MILLIS).map(token -> {
      token.ifPresentOrElse(t -> held.put(name, t), () -> held.remove(name));
      return token.isPresent();
    });
  }

  /** Runs {@code work} only if this instance holds (or can take) the lease. */
  public Future<Void> whileHolding(String name, Supplier<Future<?>> work) {
    return hold(name).compose(mine -> mine ? work.get().mapEmpty() : Future.<Void>succeededFuture());
  }

  /** The fencing token of a lease this instance holds, or null. */
  public Long token(String name) {
    return held.get(name);
  }

  /** Extends every lease held; those lost meanwhile are dropped. */
  Future<Void> renew() {
    return Future.join(held.keySet().stream().map(this::hold).toList()).mapEmpty();
  }

  /** Gives every lease back (clean shutdown), so others take over without waiting for expiry. */
  Future<Void> releaseAll() {
    return Future.join(held.entrySet().stream().map(e -> store.release(e.getKey(), owner, e.getValue())).toList())
        .onComplete(ar -> held.clear()).mapEmpty();
  }
}

package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.server.metrics.Telemetry;
import dev.simpletuner.cloud.spi.ProviderException;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The one way into a loaded provider's or delivery target's code. Every call runs with the plugin's
 * class loader as the thread's context class loader (libraries inside the plugin, such as Jackson
 * or ServiceLoader, look there), turns a throw or a missing future into a failed future, gives up
 * when the plugin does not answer in time, and goes through the part's circuit breaker, which pauses
 * a part that keeps failing on its own side (its refusals of a request do not count).
 */
final class PluginGuard {
  /** How long a call may take. */
  enum Wait {
    /** A question the plugin answers from its service: limited to the server's plugin call timeout. */
    ANSWER,
    /** Moves a dataset or a model (gigabytes): the plugin reports progress and retries by itself. */
    TRANSFER
  }

  private static final int FAILURES_TO_PAUSE = 5;
  private static final long PAUSE_MS = 30_000;

  private final Vertx vertx;
  private final String name;
  private final ClassLoader loader;
  private final CircuitBreaker breaker;
  private final Duration answerTimeout;

  /**
   * @param name          words naming the part in messages, e.g. "provider replicate"
   * @param loader        the plugin's class loader; null for built-in plugins (nothing to swap)
   * @param withBreaker   false for parts whose failures are not outages of a remote service
   * @param answerTimeout how long an {@link Wait#ANSWER} call may take
   */
  PluginGuard(Vertx vertx, String name, ClassLoader loader, boolean withBreaker, Duration answerTimeout) {
    this.vertx = vertx;
    this.name = name;
    this.loader = loader;
    this.answerTimeout = answerTimeout;
    this.breaker = withBreaker ? CircuitBreaker.create(name.replace(' ', '-'), vertx,
            new CircuitBreakerOptions().setMaxFailures(FAILURES_TO_PAUSE).setResetTimeout(PAUSE_MS).setTimeout(-1)
                .setNotificationAddress(null))
        .failurePolicy(PluginGuard::countsAsOutage) : null;
  }

  /**
   * Refusals of one request are not outages: bad input, an unknown job, a webhook whose signature
   * does not verify (anyone can send those: they must not pause the provider), an unsupported call.
   */
  private static boolean countsAsOutage(Future<?> outcome) {
    Throwable e = outcome.cause();
    return outcome.failed() && !(e instanceof ProviderException p && !p.unavailable())
        && !(e instanceof IllegalArgumentException) && !(e instanceof SecurityException)
        && !(e instanceof UnsupportedOperationException);
  }

  /**
   * An asynchronous call; {@code what} names it in messages, e.g. "status". The SPI promises such
   * calls an event-loop thread: one made from a plain thread (the shutdown of a test or of the JVM)
   * is moved to one; one from a worker thread is a host bug and fails.
   */
  <T> Future<T> call(String what, Wait wait, Supplier<Future<T>> call) {
    if (Context.isOnEventLoopThread()) {
      return guarded(what, wait, call);
    }
    if (Vertx.currentContext() != null) {
      return Future.failedFuture(new IllegalStateException("The host called " + name + " (" + what
          + ") from a worker thread; plugins are promised an event loop."));
    }
    Promise<T> outcome = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> guarded(what, wait, call).onComplete(outcome));
    return outcome.future();
  }

  private <T> Future<T> guarded(String what, Wait wait, Supplier<Future<T>> call) {
    Supplier<Future<T>> timed = () -> limited(what, wait, started(call));
    long start = System.nanoTime();
    return (breaker == null ? timed.get() : breaker.execute(timed)).onComplete(ar -> Telemetry.of(vertx)
        .pluginCall(name, what, System.nanoTime() - start, ar.failed()));
  }

  /** A plain getter of the plugin (hardware, limits): answered from memory, so no breaker or timeout. */
  <T> T read(Supplier<T> call) {
    return inLoader(loader, call);
  }

  private <T> Future<T> started(Supplier<Future<T>> call) {
    try {
      Future<T> result = inLoader(loader, call);
      return result != null ? result : Future.failedFuture(new IllegalStateException(name + " returned no future"));
    } catch (RuntimeException | LinkageError e) {
      return Future.failedFuture(e);
    }
  }

  private <T> Future<T> limited(String what, Wait wait, Future<T> call) {
    if (wait == Wait.TRANSFER || answerTimeout.isZero() || call.isComplete()) {
      return call;
    }
    Promise<T> outcome = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, answerTimeout.toMillis()), id -> outcome.tryFail(new ProviderException(
        name + " did not answer (" + what + ") within " + answerTimeout.toSeconds() + " s", true)));
    call.onComplete(done -> {
      vertx.cancelTimer(timer);
      if (done.succeeded()) {
        outcome.tryComplete(done.result());
      } else {
        outcome.tryFail(done.cause());
      }
    });
    return outcome.future();
  }

  /** {@code closed}, {@code open} or {@code half_open}; {@code closed} when the part has no breaker. */
  String breakerState() {
    return breaker == null ? "closed" : breaker.state().name().toLowerCase(Locale.ROOT);
  }

  boolean isPaused() {
    return breaker != null && breaker.state() == CircuitBreakerState.OPEN;
  }

  /** Runs plugin code with {@code loader} as the context class loader; null means built in (nothing to swap). */
  static <T> T inLoader(ClassLoader loader, Supplier<T> call) {
    if (loader == null) {
      return call.get();
    }
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
    try {
      return call.get();
    } finally {
      thread.setContextClassLoader(previous);
    }
  }
}

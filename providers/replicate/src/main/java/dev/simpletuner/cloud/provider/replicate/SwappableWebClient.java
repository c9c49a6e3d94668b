package dev.simpletuner.cloud.provider.replicate;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The WebClient Replicate calls go through, built from the host's network options (proxy, CAs,
 * timeouts) and built again when they change. A replaced client is closed once the calls it
 * carries have ended, so a settings change never cuts a call short.
 */
final class SwappableWebClient {
  private final Vertx vertx;
  private final Supplier<HttpClientOptions> options;
  private volatile Generation current;

  /** One built client, the options it was built from, and the calls on it now. */
  record Generation(WebClient web, HttpClientOptions options, AtomicInteger calls, AtomicBoolean retired,
                    AtomicBoolean closed) {
  }

  SwappableWebClient(Vertx vertx, Supplier<HttpClientOptions> options) {
    this.vertx = vertx;
    this.options = options;
    this.current = build();
  }

  private Generation build() {
    HttpClientOptions network = options.get();
    WebClientOptions web = new WebClientOptions(network).setUserAgent("simpletuner-cloud/1.0").setKeepAlive(true);
    return new Generation(WebClient.create(vertx, web), network, new AtomicInteger(), new AtomicBoolean(),
        new AtomicBoolean());
  }

  /** Runs one call on the current client, which stays open until the call has ended. */
  <T> Future<T> call(Function<Generation, Future<T>> call) {
    Generation g = current;
    g.calls().incrementAndGet();
    if (g.closed().get()) {
      // Replaced and closed between reading it and counting this call: take the new one.
      g.calls().decrementAndGet();
      return call(call);
    }
    Future<T> result;
    try {
      result = call.apply(g);
    } catch (RuntimeException e) {
      release(g);
      throw e;
    }
    return result.andThen(done -> release(g));
  }

  /** Builds a client from the options as they are now; the old one closes when its last call ends. */
  void rebuild() {
    Generation old = current;
    current = build();
    old.retired().set(true);
    if (old.calls().get() == 0) {
      closeOnce(old);
    }
  }

  void close() {
    closeOnce(current);
  }

  private void release(Generation g) {
    if (g.calls().decrementAndGet() == 0 && g.retired().get()) {
      closeOnce(g);
    }
  }

  private static void closeOnce(Generation g) {
    if (g.closed().compareAndSet(false, true)) {
      g.web().close();
    }
  }
}

package dev.simpletuner.cloud.server.metrics;

import dev.simpletuner.cloud.server.config.ServerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.shareddata.Shareable;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This process's meters: one Prometheus registry that Vert.x reports its own metrics into (HTTP
 * server, pools including the database's, event bus) and that ours join. Meters of categories the
 * config leaves out are never registered (a filter at the registry), so they cost nothing.
 * Reached from anywhere through {@link #of(Vertx)}.
 */
public final class Telemetry implements Shareable {
  private static final String KEY = "telemetry";
  private static final long PROBE_MS = 1000;
  private final PrometheusMeterRegistry registry;
  private final AtomicLong eventLoopDelayNanos = new AtomicLong();

  private Telemetry(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * A Vert.x whose metrics go to a new registry filtered by {@code config}'s categories.
   *
   * @param s3Port the storage endpoint's own port (0: none): its requests are all {@code endpoint="storage"}
   */
  public static Vertx newVertx(ServerConfig.Metrics config, int s3Port) {
    Set<MetricCategory> exported = MetricCategory.parse(config.categories());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public MeterFilterReply accept(Meter.Id id) {
        MetricCategory c = MetricCategory.of(id.getName());
        return c != null && exported.contains(c) ? MeterFilterReply.NEUTRAL : MeterFilterReply.DENY;
      }
    });
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true)
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME));
    MicrometerMetricsFactory micrometer = new MicrometerMetricsFactory(registry);
    Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(metrics))
        .withMetrics(options -> new VertxMeters(micrometer.metrics(options), registry, s3Port)).build();
    Telemetry telemetry = new Telemetry(registry);
    vertx.sharedData().getLocalMap(KEY).put(KEY, telemetry);
    telemetry.probeEventLoop(vertx);
    return vertx;
  }

  /** This Vert.x's telemetry; a throwaway one (nothing exported) for a Vert.x not made by {@link #newVertx}. */
  public static Telemetry of(Vertx vertx) {
    return vertx.sharedData().<String, Telemetry>getLocalMap(KEY)
        .computeIfAbsent(KEY, k -> new Telemetry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  private StoreGauges storeGauges;

  /** The database-backed gauges, made once per process (every HTTP verticle scrapes the same ones). */
  public synchronized StoreGauges storeGauges(dev.simpletuner.cloud.server.ServerContext ctx) {
    if (storeGauges == null) {
      storeGauges = new StoreGauges(ctx, registry);
    }
    return storeGauges;
  }

  /** Which part of the server a request is for: few values, so the series stay few. */
  static String endpoint(String uri) {
    String endpoint;
    if (uri.startsWith("/api/cloud/storage/")) {
      endpoint = "storage";
    } else if (uri.startsWith("/api/webhooks/trainer/")) {
      endpoint = "callback";
    } else if (uri.startsWith("/api/webhooks/")) {
      endpoint = "webhook";
    } else if (uri.startsWith("/api/") || uri.startsWith("/metrics")) {
      endpoint = "api";
    } else {
      endpoint = "ui";
    }
    return endpoint;
  }

  /**
   * How late a timer fires on an event loop: the time the loop was busy with something else. A
   * one-second tick on one loop; its lateness is the gauge, and a timer keeps the distribution.
   */
  private void probeEventLoop(Vertx vertx) {
    Timer delays = Timer.builder("simpletuner.event.loop.delay").description("How late a 1 s timer fired on an "
        + "event loop (time the loop was busy)").register(registry);
    registry.gauge("simpletuner.event.loop.delay.last.seconds", eventLoopDelayNanos, d -> d.get() / 1e9);
    long[] expected = {System.nanoTime() + PROBE_MS * 1_000_000};
    vertx.setPeriodic(PROBE_MS, id -> {
      long now = System.nanoTime();
      long late = Math.max(0, now - expected[0]);
      expected[0] = now + PROBE_MS * 1_000_000;
      eventLoopDelayNanos.set(late);
      delays.record(Duration.ofNanos(late));
    });
  }

  /** One call into a provider or delivery target: how long it took and whether it failed. */
  public void pluginCall(String part, String call, long nanos, boolean failed) {
    Timer.builder("simpletuner.provider.calls").description("Calls into providers and delivery targets")
        .tags("part", part, "call", call, "outcome", failed ? "error" : "ok").register(registry)
        .record(Duration.ofNanos(nanos));
  }

  /** A job left its queue for its provider after waiting this long (since it was submitted). */
  public void queueWait(String provider, long millis) {
    Timer.builder("simpletuner.queue.wait").description("How long jobs waited from submission until dispatch")
        .tags("provider", provider).register(registry).record(Duration.ofMillis(Math.max(0, millis)));
  }

  /** A delivery that ended: delivered, failed, incomplete or skipped. */
  public void delivery(String target, String outcome) {
    Counter.builder("simpletuner.delivery.outcomes").description("Deliveries that ended, by target and outcome")
        .tags("target", target == null ? "none" : target, "outcome", outcome == null ? "unknown" : outcome)
        .register(registry).increment();
  }
}

package dev.simpletuner.cloud.server.metrics;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.cluster.Leases;
import dev.simpletuner.cloud.server.cost.CostLimit;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobView;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.store.ClusterStore;
import dev.simpletuner.cloud.server.store.TelemetryStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The gauges read from the database: jobs by status and provider, queues, active jobs' cost,
 * spend against the cost limit, instances. They show a snapshot taken at most every
 * {@link #MAX_AGE_MS}: a scrape that finds it older starts one refresh (one query per family; a
 * scrape meanwhile shares it), so however often and by however many Prometheus servers the
 * endpoint is scraped, the database sees a few small queries every few seconds. The queries are
 * asynchronous (Vert.x SQL client), so nothing waits on an event loop.
 */
public final class StoreGauges {
  static final long MAX_AGE_MS = 5_000;
  private final ServerContext ctx;
  private final MultiGauge jobs;
  private final MultiGauge queueDepth;
  private final MultiGauge queueWait;
  private final MultiGauge activeCost;
  private final MultiGauge activeRate;
  private final MultiGauge spend;
  private final MultiGauge limit;
  private final MultiGauge limitUsed;
  private final MultiGauge breakers;
  private final MultiGauge instances;
  private long refreshedAt = Long.MIN_VALUE / 2;
  private Future<Void> refreshing;

  public StoreGauges(ServerContext ctx, MeterRegistry registry) {
    this.ctx = ctx;
    this.jobs = MultiGauge.builder("simpletuner.jobs").description("Jobs by status and provider")
        .register(registry);
    this.queueDepth = MultiGauge.builder("simpletuner.queue.depth").description("Jobs waiting in a provider's queue")
        .register(registry);
    this.queueWait = MultiGauge.builder("simpletuner.queue.oldest.wait").baseUnit("seconds")
        .description("How long the oldest queued job of a provider has waited").register(registry);
    this.activeCost = MultiGauge.builder("simpletuner.active.jobs.cost").baseUnit("usd")
        .description("What the running jobs of a provider have cost so far").register(registry);
    this.activeRate = MultiGauge.builder("simpletuner.active.jobs.cost.rate").baseUnit("usd.per.hour")
        .description("What the running jobs of a provider cost per hour").register(registry);
    this.spend = MultiGauge.builder("simpletuner.spend").baseUnit("usd")
        .description("Spend in the provider's cost-limit period (live cost of running jobs included)")
        .register(registry);
    this.limit = MultiGauge.builder("simpletuner.cost.limit").baseUnit("usd")
        .description("The provider's cost limit for its period, when one is set").register(registry);
    this.limitUsed = MultiGauge.builder("simpletuner.cost.limit.used.ratio")
        .description("Spend over the cost limit (1 = reached), when one is set").register(registry);
    this.breakers = MultiGauge.builder("simpletuner.circuit.breaker.state")
        .description("A provider's circuit breaker: 0 closed, 1 half open, 2 open (calls paused)").register(registry);
    this.instances = MultiGauge.builder("simpletuner.instance.up")
        .description("1 while an instance sharing the database beats its heartbeat, 0 once it is late")
        .register(registry);
    Gauge.builder("simpletuner.uptime", () -> (ctx.now() - ctx.startedAt()) / 1000.0).baseUnit("seconds")
        .description("Seconds since this instance started").register(registry);
  }

  /** The snapshot, refreshed first when it is older than {@link #MAX_AGE_MS}. */
  public synchronized Future<Void> fresh() {
    long now = ctx.now();
    if (now - refreshedAt < MAX_AGE_MS) {
      return Future.succeededFuture();
    }
    if (refreshing == null) {
      refreshing = refresh(now).onComplete(ar -> {
        synchronized (this) {
          refreshing = null;
          if (ar.succeeded()) {
            refreshedAt = now;
          }
        }
      });
    }
    return refreshing;
  }

  private Future<Void> refresh(long now) {
    Future<List<TelemetryStore.Count>> counts = ctx.store().telemetry().jobCounts();
    Future<List<TelemetryStore.Queue>> queues = ctx.store().telemetry().queues();
    Future<List<Job>> active = ctx.store().jobs().active(null);
    Future<List<JsonObject>> limits = Future.all(ctx.providers().all().stream()
        .map(h -> CostLimit.status(ctx, h)).toList()).map(all -> all.<JsonObject>list());
    Future<List<ClusterStore.Instance>> members = ctx.store().cluster().instances();
    return Future.all(counts, queues, active, limits, members).map(done -> {
      jobs.register(counts.result().stream().map(c -> MultiGauge.Row.of(Tags.of("status", c.status(),
          "provider", c.provider()), c.jobs())).toList(), true);
      queueDepth.register(queues.result().stream().map(q -> MultiGauge.Row.of(Tags.of("provider", q.provider()),
          q.depth())).toList(), true);
      queueWait.register(queues.result().stream().map(q -> MultiGauge.Row.of(Tags.of("provider", q.provider()),
          Math.max(0, now - q.oldestSince()) / 1000.0)).toList(), true);
      costs(active.result(), now);
      List<MultiGauge.Row<?>> spent = new ArrayList<>();
      List<MultiGauge.Row<?>> caps = new ArrayList<>();
      List<MultiGauge.Row<?>> used = new ArrayList<>();
      for (JsonObject s : limits.result()) {
        Tags tags = Tags.of("provider", s.getString("provider"), "period", s.getString("period"));
        spent.add(MultiGauge.Row.of(tags, s.getDouble("current_spend")));
        Double amount = s.getBoolean("enabled") ? s.getDouble("limit_amount") : null;
        if (amount != null) {
          caps.add(MultiGauge.Row.of(tags, amount));
          used.add(MultiGauge.Row.of(tags, amount > 0 ? s.getDouble("current_spend") / amount : 1.0));
        }
      }
      spend.register(spent, true);
      limit.register(caps, true);
      limitUsed.register(used, true);
      breakers.register(ctx.providers().all().stream().map(h -> MultiGauge.Row.of(Tags.of("provider", h.id()),
          breakerValue(h))).toList(), true);
      instances.register(members.result().stream().map(i -> MultiGauge.Row.of(Tags.of("instance_id", i.id(),
          "host", i.host()), now - i.heartbeatAt() <= Leases.TTL_MILLIS ? 1 : 0)).toList(), true);
      return null;
    });
  }

  private void costs(List<Job> active, long now) {
    Map<String, double[]> byProvider = new HashMap<>();
    for (Job job : active) {
      if (job.status() != JobStatus.RUNNING) {
        continue;
      }
      double[] sums = byProvider.computeIfAbsent(job.provider(), p -> new double[2]);
      Double cost = JobView.liveCost(job, now);
      sums[0] += cost == null ? 0 : cost;
      sums[1] += job.costPerSecond() * 3600;
    }
    activeCost.register(byProvider.entrySet().stream().map(e -> MultiGauge.Row.of(Tags.of("provider", e.getKey()),
        e.getValue()[0])).toList(), true);
    activeRate.register(byProvider.entrySet().stream().map(e -> MultiGauge.Row.of(Tags.of("provider", e.getKey()),
        e.getValue()[1])).toList(), true);
  }

  private static int breakerValue(ProviderHandle handle) {
    return switch (handle.breakerState()) {
      case "open" -> 2;
      case "half_open" -> 1;
      default -> 0;
    };
  }
}

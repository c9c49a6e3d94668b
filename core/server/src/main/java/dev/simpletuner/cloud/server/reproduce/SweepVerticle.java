package dev.simpletuner.cloud.server.reproduce;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.command.JobCommands;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Submits the waiting runs of sweeps: when a sweep is made, when one of its jobs ends, and on a
 * tick that also picks up after a restart. One instance of a cluster does it at a time (a lease);
 * within it, one sweep at a time.
 */
public final class SweepVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SweepVerticle.class);
  private static final long TICK_MS = 2_000;
  private static final String LEASE = "sweeps";
  private final ServerContext ctx;
  private final SweepRunner runner;
  /** Sweeps asked for and not yet moved on, in order; one is moved on at a time. */
  private final Set<String> queued = new LinkedHashSet<>();
  private Future<Void> tail = Future.succeededFuture();

  public SweepVerticle(ServerContext ctx, JobCommands commands) {
    this.ctx = ctx;
    this.runner = new SweepRunner(ctx, commands);
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().<JsonObject>consumer(Addresses.JOB_CHANGED, m -> {
      String sweepId = m.body().getString("sweep_id");
      if (sweepId != null && m.body().getBoolean("is_terminal", false)) {
        advance(sweepId);
      }
    });
    vertx.setPeriodic(TICK_MS, id -> ctx.store().sweeps().running().onSuccess(ids -> ids.forEach(this::advance)));
    return vertx.eventBus().<JsonObject>consumer(Addresses.SWEEP_ADVANCE,
        m -> advance(m.body().getString("sweep_id")).onComplete(ar -> m.reply(new JsonObject()))).completion();
  }

  /** Moves the sweep on after those asked for before it; completes when it has been. */
  private Future<Void> advance(String sweepId) {
    if (!queued.add(sweepId)) {
      return tail;
    }
    tail = tail.transform(ar -> {
      queued.remove(sweepId);
      return ctx.leases().whileHolding(LEASE, () -> runner.advance(sweepId))
          .onFailure(e -> LOG.warn("Sweep {} could not move on: {}", sweepId, e.getMessage()))
          .otherwiseEmpty();
    });
    return tail;
  }
}

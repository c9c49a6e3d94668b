package dev.simpletuner.cloud.server.cost;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobView;
import dev.simpletuner.cloud.server.store.JobStore.DayFigures;
import io.vertx.core.Future;
import java.util.List;

/**
 * Money spent: stored final costs of ended jobs plus the live cost of running ones (elapsed time
 * at the job's own hardware rate).
 */
public final class Spend {
  private Spend() {
  }

  /** Total spend on jobs created since {@code since}; {@code provider} null for all. */
  public static Future<Double> since(ServerContext ctx, long since, String provider) {
    Future<List<DayFigures>> stored = ctx.store().jobs().dailyFigures(since, provider);
    Future<List<Job>> active = ctx.store().jobs().active(provider);
    return Future.all(stored, active).map(done -> {
      double total = 0;
      for (DayFigures f : stored.result()) {
        total += f.storedCost();
      }
      return total + live(ctx, active.result(), since);
    });
  }

  /** Live cost of active jobs created since {@code since} that have no final cost yet. */
  public static double live(ServerContext ctx, List<Job> active, long since) {
    double total = 0;
    long now = ctx.now();
    for (Job job : active) {
      if (job.createdAt() >= since && job.costUsd() == null) {
        Double cost = JobView.liveCost(job, now);
        total += cost == null ? 0 : cost;
      }
    }
    return total;
  }
}

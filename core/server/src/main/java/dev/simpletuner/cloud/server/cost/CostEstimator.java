package dev.simpletuner.cloud.server.cost;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.settings.ProviderSettings;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Estimates a job's cost before it is submitted: its steps times the seconds per step that past
 * jobs on the same provider and hardware took, plus their start-up overhead, at the hardware's
 * rate. Without history, a conservative default pace is used and the estimate says so.
 */
public final class CostEstimator {
  /** Seconds per step assumed without history (a LoRA on a single modern GPU is usually faster). */
  static final double DEFAULT_SECONDS_PER_STEP = 1.5;
  /** Model download, caching and export that every job pays once, in seconds. */
  static final double DEFAULT_OVERHEAD_SECONDS = 600;
  private static final int HISTORY = 20;

  private CostEstimator() {
  }

  /** {@code {estimated_cost_usd, estimated_seconds, cost_per_hour, basis}}. */
  public static Future<JsonObject> estimate(ServerContext ctx, ProviderHandle provider, String hardware,
                                            JsonObject config) {
    double rate = ProviderSettings.rate(provider, provider.saved(), hardware);
    Long steps = steps(config);
    return ctx.store().jobs().recentCompleted(provider.id(), hardware, HISTORY).map(history -> {
      double perStep = DEFAULT_SECONDS_PER_STEP;
      double overhead = DEFAULT_OVERHEAD_SECONDS;
      String basis = "default pace (" + DEFAULT_SECONDS_PER_STEP + " s/step + " + (int) DEFAULT_OVERHEAD_SECONDS
          + " s start-up); no finished jobs on this hardware yet";
      double[] pace = pace(history);
      if (pace != null) {
        perStep = pace[0];
        overhead = pace[1];
        basis = "pace of the last " + (int) pace[2] + " finished job(s) on this hardware";
      }
      Double seconds = steps != null ? Double.valueOf(overhead + steps * perStep)
          : pace != null ? Double.valueOf(pace[3]) : null;
      JsonObject estimate = new JsonObject().put("cost_per_hour", round(rate * 3600)).put("basis", basis)
          .put("steps", steps);
      if (seconds == null) {
        return estimate.put("estimated_seconds", null).put("estimated_cost_usd", null)
            .put("basis", "no --max_train_steps and no finished jobs to go by");
      }
      return estimate.put("estimated_seconds", Math.round(seconds)).put("estimated_cost_usd", round(seconds * rate));
    });
  }

  /** {seconds per step, overhead seconds, jobs used, average duration}, or null without usable history. */
  private static double[] pace(List<Job> history) {
    double perStepSum = 0;
    double durationSum = 0;
    int n = 0;
    for (Job job : history) {
      double seconds = (job.completedAt() - job.startedAt()) / 1000.0;
      Long total = job.progress() == null ? null : job.progress().getLong("total");
      if (total != null && total > 0 && seconds > 0) {
        perStepSum += seconds / total;
        durationSum += seconds;
        n++;
      }
    }
    return n == 0 ? null : new double[] {perStepSum / n, 0, n, durationSum / n};
  }

  private static Long steps(JsonObject config) {
    Object steps = config == null ? null : config.getValue("--max_train_steps");
    if (steps instanceof Number n) {
      return n.longValue();
    }
    if (steps instanceof String s && s.matches("\\d{1,12}")) {
      return Long.parseLong(s);
    }
    return null;
  }

  private static double round(double v) {
    return Math.round(v * 10000) / 10000.0;
  }
}

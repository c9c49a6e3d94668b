package dev.simpletuner.cloud.server.cost;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.settings.ProviderSettings;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * Estimates a job's cost before it is submitted from the finished jobs on the same provider and
 * hardware: their durations fitted to their step counts give seconds per step and the start-up
 * every job pays (model download, caching, export), at the hardware's rate. Jobs of one length
 * only give their pace per step (start-up folded in). Without history a default pace and a short
 * assumed start-up are used, and the estimate says so.
 */
public final class CostEstimator {
  /** Seconds per step assumed without history (a LoRA on a single modern GPU is usually faster). */
  static final double DEFAULT_SECONDS_PER_STEP = 1.5;
  /** Start-up assumed without history, in seconds (a warm provider image starts in a minute or two). */
  static final double DEFAULT_STARTUP_SECONDS = 120;
  private static final int HISTORY = 20;

  private CostEstimator() {
  }

  /** The pace learned from history. */
  record Pace(double secondsPerStep, double startupSeconds, int jobs, double averageSeconds, boolean fitted) {
  }

  /**
   * {@code {estimated_cost_usd, estimated_seconds, cost_per_hour, steps, seconds_per_step,
   * startup_seconds, jobs_used, basis}}.
   */
  public static Future<JsonObject> estimate(ServerContext ctx, ProviderHandle provider, String hardware,
                                            JsonObject config) {
    double rate = ProviderSettings.rate(provider, provider.saved(), hardware);
    Long steps = steps(config);
    return ctx.store().jobs().recentCompleted(provider.id(), hardware, HISTORY).map(history -> {
      Pace pace = pace(history);
      String where = provider.displayName() + (hardware == null ? "" : " " + hardware);
      Pace used = pace != null ? pace : new Pace(DEFAULT_SECONDS_PER_STEP, DEFAULT_STARTUP_SECONDS, 0, 0, false);
      String basis = pace == null
          ? String.format(Locale.ROOT, "a default pace (%.1f s/step + %.0f s assumed start-up): no finished jobs on %s yet",
              DEFAULT_SECONDS_PER_STEP, DEFAULT_STARTUP_SECONDS, where)
          : pace.fitted()
            ? String.format(Locale.ROOT, "the last %d finished job(s) on %s: %.2f s/step + %.0f s start-up",
                pace.jobs(), where, pace.secondsPerStep(), pace.startupSeconds())
            : String.format(Locale.ROOT, "the last %d finished job(s) on %s: %.2f s/step, start-up included",
                pace.jobs(), where, pace.secondsPerStep());
      Double seconds = steps != null ? Double.valueOf(used.startupSeconds() + steps * used.secondsPerStep())
          : pace != null ? Double.valueOf(pace.averageSeconds()) : null;
      JsonObject estimate = new JsonObject().put("cost_per_hour", round(rate * 3600)).put("basis", basis)
          .put("steps", steps).put("seconds_per_step", round(used.secondsPerStep()))
          .put("startup_seconds", Math.round(used.startupSeconds())).put("jobs_used", pace == null ? 0 : pace.jobs());
      if (seconds == null) {
        return estimate.put("estimated_seconds", null).put("estimated_cost_usd", null)
            .put("basis", "no --max_train_steps and no finished jobs to go by");
      }
      return estimate.put("estimated_seconds", Math.round(seconds)).put("estimated_cost_usd", round(seconds * rate));
    });
  }

  /**
   * Least squares of duration on steps over the finished jobs that reported their step count;
   * null without any. A fit that would need a negative start-up or pace falls back to the mean pace.
   */
  static Pace pace(List<Job> history) {
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    double perStepSum = 0;
    int n = 0;
    for (Job job : history) {
      if (job.startedAt() == null || job.completedAt() == null) {
        continue;
      }
      double seconds = (job.completedAt() - job.startedAt()) / 1000.0;
      Long total = job.progress() == null ? null : job.progress().getLong("total");
      if (total != null && total > 0 && seconds > 0) {
        sx += total;
        sy += seconds;
        sxx += (double) total * total;
        sxy += total * seconds;
        perStepSum += seconds / total;
        n++;
      }
    }
    if (n == 0) {
      return null;
    }
    double spread = n * sxx - sx * sx;
    if (n >= 2 && spread > 1e-9 * sxx * n) {
      double slope = (n * sxy - sx * sy) / spread;
      double intercept = (sy - slope * sx) / n;
      if (slope > 0 && intercept >= 0) {
        return new Pace(slope, intercept, n, sy / n, true);
      }
    }
    return new Pace(perStepSum / n, 0, n, sy / n, false);
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

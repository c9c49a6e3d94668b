package dev.simpletuner.cloud.server.metrics;

import dev.simpletuner.cloud.server.cost.Spend;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobType;
import dev.simpletuner.cloud.server.store.JobStore.DayFigures;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.util.List;
import java.util.TreeMap;

/**
 * {@code GET /api/metrics}: job counts, durations and cost over the last N days, per day, and per
 * provider and hardware.
 */
public final class MetricsReport {
  private MetricsReport() {
  }

  public static Future<JsonObject> build(ServerContext ctx, int days) {
    long since = ctx.now() - days * 24L * 3600 * 1000;
    Future<List<DayFigures>> figures = ctx.store().jobs().dailyFigures(since, null);
    Future<List<Job>> active = ctx.store().jobs().active(null);
    Future<List<Job>> created = ctx.store().jobs().createdSince(since, null);
    return Future.all(figures, active, created).map(done -> report(ctx, days, since, figures.result(), active.result())
        .put("by_provider", HardwareFigures.of(created.result(), ctx.now())));
  }

  private static JsonObject report(ServerContext ctx, int days, long since, List<DayFigures> figures,
                                   List<Job> active) {
    JsonObject byStatus = new JsonObject();
    for (JobStatus s : JobStatus.values()) {
      byStatus.put(s.wireName(), 0L);
    }
    TreeMap<Long, JsonObject> perDay = new TreeMap<>();
    long jobs = 0;
    long completed = 0;
    long completedMillis = 0;
    double cost = 0;
    for (DayFigures f : figures) {
      jobs += f.jobs();
      cost += f.storedCost();
      byStatus.put(f.status().wireName(), byStatus.getLong(f.status().wireName()) + f.jobs());
      if (f.status() == JobStatus.COMPLETED) {
        completed += f.jobs();
        completedMillis += f.runMillis();
      }
      JsonObject day = perDay.computeIfAbsent(f.day(), d -> new JsonObject()
          .put("date", LocalDate.ofEpochDay(d).toString()).put("total_jobs", 0L).put("completed", 0L)
          .put("failed", 0L).put("cancelled", 0L).put("local_jobs", 0L).put("cloud_jobs", 0L)
          .put("total_cost_usd", 0.0));
      day.put("total_jobs", day.getLong("total_jobs") + f.jobs());
      day.put("total_cost_usd", day.getDouble("total_cost_usd") + f.storedCost());
      day.put(f.type() == JobType.LOCAL ? "local_jobs" : "cloud_jobs",
          day.getLong(f.type() == JobType.LOCAL ? "local_jobs" : "cloud_jobs") + f.jobs());
      if (f.status().isTerminal()) {
        day.put(f.status().wireName(), day.getLong(f.status().wireName()) + f.jobs());
      }
    }
    double live = Spend.live(ctx, active, since);
    cost += live;
    JsonArray daily = new JsonArray();
    perDay.values().forEach(d -> daily.add(d.put("total_cost_usd", round(d.getDouble("total_cost_usd")))));
    return new JsonObject()
        .put("period_days", days)
        .put("job_count", jobs)
        .put("active_jobs", active.size())
        .put("jobs_by_status", byStatus)
        .put("total_cost", round(cost))
        .put("total_cost_usd", round(cost))
        .put("running_cost_usd", round(live))
        .put("avg_job_duration_seconds", completed == 0 ? null : Math.round(completedMillis / 100.0 / completed) / 10.0)
        .put("cost_by_day", daily)
        .put("credit_balance", null);
  }

  private static double round(double v) {
    return Math.round(v * 10000) / 10000.0;
  }
}

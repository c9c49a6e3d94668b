package dev.simpletuner.cloud.server.metrics;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobView;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per provider and hardware: how many jobs, how many ended well (the success rate counts completed
 * against failed; cancelled runs are the user's choice), and the median duration and cost of the
 * completed ones, for the Cloud tab's dashboard.
 */
final class HardwareFigures {
  private HardwareFigures() {
  }

  static JsonArray of(List<Job> jobs, long now) {
    Map<String, List<Job>> groups = new TreeMap<>();
    for (Job job : jobs) {
      String key = job.provider() + "\u0000" + (job.hardwareProfile() == null ? "" : job.hardwareProfile());
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(job);
    }
    JsonArray out = new JsonArray();
    groups.forEach((key, group) -> {
      long completed = 0;
      long failed = 0;
      long cancelled = 0;
      List<Double> durations = new ArrayList<>();
      List<Double> costs = new ArrayList<>();
      for (Job job : group) {
        if (job.status() == JobStatus.COMPLETED) {
          completed++;
          if (job.startedAt() != null && job.completedAt() != null) {
            durations.add((job.completedAt() - job.startedAt()) / 1000.0);
          }
          Double cost = JobView.liveCost(job, now);
          if (cost != null) {
            costs.add(cost);
          }
        } else if (job.status() == JobStatus.FAILED) {
          failed++;
        } else if (job.status() == JobStatus.CANCELLED) {
          cancelled++;
        }
      }
      Job first = group.get(0);
      out.add(new JsonObject().put("provider", first.provider()).put("hardware_profile", first.hardwareProfile())
          .put("jobs", group.size()).put("completed", completed).put("failed", failed).put("cancelled", cancelled)
          .put("success_rate", completed + failed == 0 ? null : round((double) completed / (completed + failed)))
          .put("median_duration_seconds", median(durations)).put("median_cost_usd", median(costs)));
    });
    return out;
  }

  private static Double median(List<Double> values) {
    if (values.isEmpty()) {
      return null;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    double m = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return round(m);
  }

  private static double round(double v) {
    return Math.round(v * 10000) / 10000.0;
  }
}

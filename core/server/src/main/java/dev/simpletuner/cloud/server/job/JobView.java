package dev.simpletuner.cloud.server.job;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * How a job looks in the API. Live figures (cost, duration) are computed at render time; no token,
 * secret or internal lock appears here.
 */
public final class JobView {
  private static final String[] PROGRESS_KEYS = {"stage", "current", "total", "percent", "eta_seconds", "loss",
      "learning_rate", "epoch"};

  private JobView() {
  }

  /**
   * @param queuePosition place in the provider's queue for jobs waiting for a slot, else null
   * @param detail        include the config and dataloader snapshots
   */
  public static JsonObject render(Job job, Long queuePosition, boolean detail, long now) {
    JsonObject json = new JsonObject()
        .put("job_id", job.jobId())
        .put("job_type", job.jobType().wireName())
        .put("provider", job.provider())
        .put("status", job.status().wireName())
        .put("config_name", job.configName())
        .put("tracker_run_name", job.trackerRunName())
        // Where the reference (tracker_run_name) and its CLI (run_name) look for the run's name.
        .put("metadata", new JsonObject().put("run_name", job.trackerRunName())
            .put("tracker_run_name", job.trackerRunName())
            .put("imported", job.metadata() != null && job.metadata().getBoolean("imported", false)))
        .put("created_at", iso(job.createdAt()))
        .put("updated_at", iso(job.updatedAt()))
        .put("started_at", iso(job.startedAt()))
        .put("completed_at", iso(job.completedAt()))
        .put("duration_seconds", duration(job, now))
        .put("hardware_profile", job.hardwareProfile())
        .put("hardware_type", job.hardwareType())
        .put("cost_per_hour", round(job.costPerSecond() * 3600, 4))
        .put("cost_usd", cost(job, now))
        .put("estimated_cost_usd", job.estimatedCostUsd() == null ? null : round(job.estimatedCostUsd(), 6))
        .put("progress", progress(job.progress()))
        .put("error_message", job.errorMessage())
        .put("output_url", job.outputUrl())
        .put("delivery", job.delivery() == null ? new JsonArray() : job.delivery())
        .put("is_terminal", job.status().isTerminal())
        .put("is_active", job.status().isActive())
        .put("queue_position", queuePosition)
        .put("owner_id", job.ownerId())
        .put("host_id", job.hostId())
        .put("external_id", job.externalId())
        .put("warnings", job.metadata() == null ? new JsonArray() : job.metadata().getJsonArray("warnings",
            new JsonArray()))
        .put("webhook_url", job.metadata() == null ? null : job.metadata().getString("webhook_url"))
        // Whether the trainer can call this server: without it a cloud job shows no step, loss or log.
        .put("reports_home", job.jobType() == JobType.LOCAL
            || job.metadata() != null && job.metadata().getString("callback_base") != null);
    JsonObject meta = job.metadata() == null ? new JsonObject() : job.metadata();
    // Where the job came from: the config version and content it ran, the job it was cloned from.
    json.put("config_version", meta.getInteger("config_version")).put("config_hash", meta.getString("config_hash"))
        .put("parent_job_id", meta.getString("parent_job_id")).put("sweep_id", meta.getString("sweep_id"))
        .put("snapshot", meta.getJsonObject("snapshot"));
    if (detail) {
      json.put("clone_changes", meta.getJsonObject("clone_changes"));
      json.put("config", job.config()).put("dataloader_config", job.dataloaderConfig())
          .put("upload_summary", meta.getJsonObject("upload_summary"))
          .put("estimate", meta.getJsonObject("estimate"))
          .put("approval", meta.getJsonObject("approval"))
          .put("archive_bytes", meta.getLong("archive_bytes"));
    }
    return json;
  }

  /** Whether the job waits in the server's queue for a provider slot (it then has a queue position). */
  public static boolean waitsForSlot(Job job) {
    return job.status() == JobStatus.QUEUED && job.dispatchedAt() == null;
  }

  /** The job's cost so far: final when known, else elapsed time at its hardware rate. */
  public static Double liveCost(Job job, long now) {
    return cost(job, now);
  }

  static Double cost(Job job, long now) {
    if (job.costUsd() != null) {
      return round(job.costUsd(), 6);
    }
    if (job.startedAt() == null) {
      return job.status().isTerminal() ? 0.0 : null;
    }
    long end = job.completedAt() != null ? job.completedAt() : now;
    return round(Math.max(0, end - job.startedAt()) / 1000.0 * job.costPerSecond(), 6);
  }

  private static Double duration(Job job, long now) {
    if (job.startedAt() == null) {
      return null;
    }
    long end = job.completedAt() != null ? job.completedAt() : now;
    return round(Math.max(0, end - job.startedAt()) / 1000.0, 1);
  }

  private static JsonObject progress(JsonObject stored) {
    JsonObject p = new JsonObject();
    for (String key : PROGRESS_KEYS) {
      p.put(key, stored == null ? null : stored.getValue(key));
    }
    return p;
  }

  private static String iso(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis).toString();
  }

  private static double round(double value, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(value * f) / f;
  }
}

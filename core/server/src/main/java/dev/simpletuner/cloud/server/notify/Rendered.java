package dev.simpletuner.cloud.server.notify;

import dev.simpletuner.cloud.server.job.Job;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Locale;

/**
 * A notification's words, made once when the timeline entry is read (so every retry sends the same
 * thing): the reference webhook's fields ({@code event_type, title, message, severity, job_id,
 * user_id, timestamp, data}) with the job's name, config, status, duration, cost, link and error.
 */
public final class Rendered {
  private Rendered() {
  }

  /**
   * @param link  where the job is seen in the web UI, or null when no public URL is set
   * @param extra what the timeline entry said (a delivery's target, an approval's reviewer...)
   */
  public static JsonObject of(EventType type, Job job, long at, String link, JsonObject extra) {
    String name = job.trackerRunName() != null && !job.trackerRunName().isBlank() ? job.trackerRunName()
        : job.configName() != null ? job.configName() : job.jobId();
    Long duration = job.startedAt() == null ? null
        : ((job.completedAt() != null ? job.completedAt() : at) - job.startedAt()) / 1000;
    Double cost = job.costUsd() != null ? job.costUsd() : job.estimatedCostUsd();
    String error = extra.getString("error") != null ? extra.getString("error") : type == EventType.JOB_FAILED
        ? job.errorMessage() : null;
    StringBuilder text = new StringBuilder(type.title()).append(": ").append(name);
    if (job.configName() != null && !job.configName().equals(name)) {
      text.append(" (config ").append(job.configName()).append(')');
    }
    text.append(" on ").append(job.provider()).append(", status ").append(job.status().wireName());
    if (duration != null) {
      text.append(", ran ").append(duration(duration));
    }
    if (cost != null) {
      text.append(String.format(Locale.ROOT, ", cost $%.2f", cost));
    }
    text.append('.');
    if (extra.getString("reviewer") != null) {
      text.append(" Reviewer: ").append(extra.getString("reviewer")).append('.');
    }
    if (extra.getString("reason") != null) {
      text.append(" Reason: ").append(extra.getString("reason")).append('.');
    }
    if (extra.getString("target") != null) {
      text.append(" Delivery target: ").append(extra.getString("target")).append('.');
    }
    if (extra.getString("cost_message") != null) {
      text.append(' ').append(extra.getString("cost_message"));
    }
    if (error != null) {
      text.append(" Error: ").append(error);
    }
    if (link != null) {
      text.append("\n").append(link);
    }
    JsonObject data = new JsonObject().put("job_name", name).put("config_name", job.configName())
        .put("provider", job.provider()).put("status", job.status().wireName()).put("duration_seconds", duration)
        .put("cost_usd", cost).put("link", link).put("error", error).put("entry", extra);
    return new JsonObject().put("event_type", type.id()).put("title", type.title() + ": " + name)
        .put("message", text.toString()).put("severity", type.severity().wireName()).put("job_id", job.jobId())
        .put("user_id", job.ownerId()).put("timestamp", Instant.ofEpochMilli(at).toString()).put("data", data);
  }

  /**
   * A server event's words (no job): the same fields, {@code job_id} set only when the event
   * concerns one (the job a lost worker held).
   */
  public static JsonObject system(EventType type, long at, String message, String link, JsonObject data) {
    String text = type.title() + ": " + message + (link == null ? "" : "\n" + link);
    return new JsonObject().put("event_type", type.id()).put("title", type.title())
        .put("message", text).put("severity", type.severity().wireName()).put("job_id", data.getString("job_id"))
        .put("user_id", null).put("timestamp", Instant.ofEpochMilli(at).toString())
        .put("data", data.copy().put("link", link));
  }

  /** The message a test send carries. */
  public static JsonObject test(String channelName, long at) {
    return new JsonObject().put("event_type", "test").put("title", "Test notification")
        .put("message", "A test from SimpleTuner's cloud server to the channel '" + channelName + "'. If you read "
            + "this, the channel works.")
        .put("severity", "info").put("job_id", null).put("user_id", null)
        .put("timestamp", Instant.ofEpochMilli(at).toString()).put("data", new JsonObject());
  }

  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return seconds / 60 + "m " + seconds % 60 + "s";
    }
    return seconds / 3600 + "h " + seconds % 3600 / 60 + "m";
  }
}

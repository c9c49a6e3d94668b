package dev.simpletuner.cloud.server.job;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** What the job lifecycle answers to a {@link JobCommand}; {@code toJson} is the API's shape. */
public sealed interface JobAnswer {

  JsonObject toJson();

  /** The two warnings a cost limit gives at submit (SubmitChecks). */
  String COST_LIMIT_EXCEEDED = "Spending limit exceeded: ";
  String COST_LIMIT_APPROACHING = "Approaching the spending limit: ";

  static boolean isCostLimitWarning(String warning) {
    return warning.startsWith(COST_LIMIT_EXCEEDED) || warning.startsWith(COST_LIMIT_APPROACHING);
  }

  /** A stored job, or the earlier one its idempotency key found ({@code idempotentHit}). */
  record Submitted(String jobId, JobStatus status, boolean idempotentHit, List<String> warnings, String error,
                   JsonObject job) implements JobAnswer {
    @Override
    public JsonObject toJson() {
      // The reference CLI prints cost_limit_warning, then each of quota_warnings: every warning once.
      String costWarning = warnings.stream().filter(JobAnswer::isCostLimitWarning).findFirst().orElse(null);
      return new JsonObject().put("success", true).put("job_id", jobId).put("status", status.wireName())
          .put("idempotent_hit", idempotentHit).put("warnings", new JsonArray(List.copyOf(warnings)))
          .put("cost_limit_warning", costWarning)
          .put("quota_warnings", new JsonArray(warnings.stream().filter(w -> !w.equals(costWarning)).toList()))
          .put("data_uploaded", status == JobStatus.UPLOADING || job.getValue("archive_bytes") != null)
          .put("error", error).put("job", job.copy());
    }
  }

  /** What a submission would do (a dry run): {@code would_submit}, its errors and warnings, and the plan. */
  record DryRan(JsonObject report) implements JobAnswer {
    @Override
    public JsonObject toJson() {
      return report.copy();
    }
  }

  /** What would be uploaded (the scan of the datasets) and what it would cost. */
  record Previewed(String provider, JsonObject summary) implements JobAnswer {
    @Override
    public JsonObject toJson() {
      return summary.copy().put("provider", provider);
    }
  }

  /** A job's new status. */
  record Changed(String jobId, JobStatus status) implements JobAnswer {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("success", true).put("job_id", jobId).put("status", status.wireName());
    }
  }

  /** A job that is gone. */
  record Deleted(String jobId) implements JobAnswer {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("success", true).put("job_id", jobId);
    }
  }

  /** A decided approval request. */
  record Decided(String requestId, String jobId, String decision) implements JobAnswer {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("success", true).put("request_id", requestId).put("job_id", jobId)
          .put("status", decision);
    }
  }

  /** A report taken in ({@code received}), or one about a job that has ended ({@code ignored}, with why). */
  record Received(String jobId, String status, String reason) implements JobAnswer {
    public static Received of(String jobId) {
      return new Received(jobId, "received", null);
    }

    @Override
    public JsonObject toJson() {
      JsonObject out = new JsonObject().put("status", status);
      if (jobId != null) {
        out.put("job_id", jobId);
      }
      return reason == null ? out : out.put("reason", reason);
    }

    /**
     * {@link #toJson()} encoded. The answer to nearly every trainer event (received, a job id of
     * letters, digits, '-' and '_') is written out directly: encoding it was a visible share of
     * an event's cost.
     */
    public Buffer toBuffer() {
      if (reason != null || jobId == null || !"received".equals(status) || !plain(jobId)) {
        return toJson().toBuffer();
      }
      return Buffer.buffer("{\"status\":\"received\",\"job_id\":\"" + jobId + "\"}");
    }

    private static boolean plain(String id) {
      for (int i = 0; i < id.length(); i++) {
        char c = id.charAt(i);
        if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
          return false;
        }
      }
      return true;
    }
  }

  /** A delivery started again. */
  record Retrying(String jobId, String target) implements JobAnswer {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("success", true).put("job_id", jobId).put("target", target);
    }
  }
}

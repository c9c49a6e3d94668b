package dev.simpletuner.cloud.server.job;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.store.JobUpdate;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.Set;

/**
 * Applies trainer callbacks. The trainer may say it is running and how far it got; whether a job
 * completed or failed is decided by its provider (exit status, provider status), so a trainer that
 * reports success and then crashes is still recorded as failed.
 */
final class CallbackHandler {
  private static final Set<JobStatus> NOT_YET_RUNNING = EnumSet.of(JobStatus.PENDING, JobStatus.UPLOADING,
      JobStatus.QUEUED);

  private final ServerContext ctx;
  private final JobEvents events;

  CallbackHandler(ServerContext ctx, JobEvents events) {
    this.ctx = ctx;
    this.events = events;
  }

  Future<JsonObject> handle(String jobId, JsonObject payload) {
    return ctx.store().jobs().get(jobId).compose(found -> {
      Job job = found.orElseThrow(() -> new AppException(ErrorCode.JOB_NOT_FOUND, "No job " + jobId + "."));
      if (job.status().isTerminal()) {
        return Future.succeededFuture(new JsonObject().put("status", "ignored").put("job_id", jobId)
            .put("reason", "the job is already " + job.status().wireName()));
      }
      TrainerEvent event = TrainerEvent.parse(payload);
      Future<Job> current = Future.succeededFuture(job);
      if (event.running() && NOT_YET_RUNNING.contains(job.status()) && job.dispatchedAt() != null) {
        current = events.transition(jobId, JobStatus.RUNNING, JobUpdate.create(), "The trainer started")
            .map(moved -> moved.orElse(job));
      }
      return current.compose(latest -> apply(latest, event))
          .map(v -> new JsonObject().put("status", "received").put("job_id", jobId));
    });
  }

  private Future<Void> apply(Job job, TrainerEvent event) {
    JobUpdate update = JobUpdate.create();
    if (event.progress() != null) {
      update.progress(event.progress().mergeInto(job.progress(), "callback", ctx.now(), job.startedAt()));
    }
    if (event.failureHint() != null) {
      update.errorMessage(event.failureHint());
    }
    Future<?> changed = (update.isEmpty() ? Future.succeededFuture() : events.update(job.jobId(), update))
        .compose(v -> events.chart(job.jobId(), event.progress()));
    if (!event.timeline()) {
      return changed.mapEmpty();
    }
    JsonObject data = new JsonObject().put("message", event.message());
    if (event.progress() != null && event.progress().stage() != null) {
      data.put("stage", event.progress().stage());
    }
    return changed.compose(v -> events.timeline(job.jobId(), event.type(), data));
  }
}

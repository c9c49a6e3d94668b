package dev.simpletuner.cloud.server.job;

import dev.simpletuner.cloud.server.callback.ProgressReading;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.store.JobUpdate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * Applies job changes: status transitions checked against {@link JobStatus}, the timeline entry
 * that goes with them, and the notification that reaches SSE clients. Status changes are made
 * only inside the job lifecycle verticle, the one writer of job status; timeline entries also come
 * from the worker fleet (hand-overs to workers).
 */
public final class JobEvents {
  private final Vertx vertx;
  private final ServerContext ctx;

  public JobEvents(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
  }

  /**
   * Moves the job to {@code target} with {@code extra} changes, if the state machine allows it from
   * the job's current status. Empty when it does not (the job is unchanged).
   */
  public Future<Optional<Job>> transition(String jobId, JobStatus target, JobUpdate extra, String message) {
    long now = ctx.now();
    JobUpdate update = extra.status(target);
    if (target == JobStatus.RUNNING && !update.setsColumn("started_at")) {
      update.startedAtIfUnset(now);
    }
    return ctx.store().jobs().update(jobId, JobStatus.sourcesOf(target), update, now)
        .compose(updated -> {
          if (updated.isEmpty()) {
            return Future.succeededFuture(updated);
          }
          JsonObject data = new JsonObject().put("status", target.wireName());
          if (message != null) {
            data.put("message", message);
          }
          return timeline(jobId, "status", data)
              .map(v -> {
                publish(updated.get());
                return updated;
              });
        });
  }

  /** Changes fields other than the status (progress, messages). */
  public Future<Optional<Job>> update(String jobId, JobUpdate update) {
    return ctx.store().jobs().update(jobId, JobStatus.ACTIVE, update, ctx.now())
        .onSuccess(updated -> updated.ifPresent(this::publish));
  }

  /** Keeps a chart point when progress carries a step and a loss or learning rate. */
  public Future<Void> chart(String jobId, ProgressReading reading) {
    if (reading == null || reading.current() == null || reading.loss() == null && reading.learningRate() == null) {
      return Future.succeededFuture();
    }
    return ctx.store().metrics().record(jobId, reading.current(), reading.loss(), reading.learningRate(), ctx.now());
  }

  public Future<Void> timeline(String jobId, String type, JsonObject data) {
    long now = ctx.now();
    return ctx.store().events().add(jobId, type, data, now).onSuccess(v -> vertx.eventBus().publish(
        Addresses.JOB_TIMELINE, new JsonObject().put("job_id", jobId).put("type", type).put("data", data)
            .put("created_at", java.time.Instant.ofEpochMilli(now).toString())));
  }

  public void publish(Job job) {
    vertx.eventBus().publish(Addresses.JOB_CHANGED, JobView.render(job, null, false, ctx.now()));
  }
}

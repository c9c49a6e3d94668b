package dev.simpletuner.cloud.server.job;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.store.AttemptStore;
import dev.simpletuner.cloud.server.store.JobUpdate;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;

/**
 * Puts a worker job whose worker was lost back in the queue, or fails it once its retries are
 * spent ({@code workers.max_retries}). Its attempt on the lost worker is closed with the reason;
 * only attempts that were really lost count against the retries, not hand-overs that never
 * reached the worker. Runs inside the job lifecycle, one job at a time.
 */
final class WorkerRequeue {
  static final String LOST = "lost";
  static final String NOT_TAKEN = "not_taken";
  private final ServerContext ctx;
  private final JobEvents events;

  WorkerRequeue(ServerContext ctx, JobEvents events) {
    this.ctx = ctx;
    this.events = events;
  }

  /** Empty when the job is no longer the worker's to lose (it ended, or moved on). */
  Future<Optional<Job>> apply(Job job, JobCommand.Requeue command) {
    boolean bound = command.bound() != JobCommand.Requeue.Bound.NO;
    if (!JobStatus.REQUEUE_FROM.contains(job.status()) || !bound && !command.workerId().equals(job.externalId())) {
      return Future.succeededFuture(Optional.empty());
    }
    String jobId = job.jobId();
    long now = ctx.now();
    return ctx.store().attempts().end(jobId, command.workerId(), command.charged() ? LOST : NOT_TAKEN,
            command.reason(), now)
        .compose(v -> ctx.store().attempts().of(jobId))
        .compose(attempts -> {
          long lost = attempts.stream().filter(a -> LOST.equals(a.outcome())).count();
          int retries = ctx.config().workers().maxRetries();
          if (command.charged() && lost > retries) {
            String message = command.reason() + ". The job lost its worker " + lost + " times and is not retried "
                + "again (workers.max_retries is " + retries + ").";
            return events.transition(jobId, JobStatus.FAILED, JobUpdate.create().errorMessage(message)
                .completedAt(now), message);
          }
          if (command.bound() == JobCommand.Requeue.Bound.KEEP) {
            // Its provider started a new pod, whose worker gets the job again: only the attempt ended.
            return events.timeline(jobId, "worker", new JsonObject().put("message", describe(command, attempts, lost,
                retries).replace("Requeued after", "Retried after"))).map(Optional.of(job));
          }
          return back(jobId, describe(command, attempts, lost, retries));
        });
  }

  private Future<Optional<Job>> back(String jobId, String message) {
    JobUpdate update = JobUpdate.create().status(JobStatus.QUEUED).dispatchedAt(null).externalId(null)
        .startedAt(null).progress(new JsonObject().put("stage", "Waiting for a worker"));
    return ctx.store().jobs().update(jobId, JobStatus.REQUEUE_FROM, update, ctx.now()).compose(updated -> {
      if (updated.isEmpty()) {
        return Future.succeededFuture(updated);
      }
      return events.timeline(jobId, "status", new JsonObject().put("status", JobStatus.QUEUED.wireName())
              .put("message", message))
          .map(v -> {
            events.publish(updated.get());
            return updated;
          });
    });
  }

  private static String describe(JobCommand.Requeue command, List<AttemptStore.Attempt> attempts, long lost,
                                 int retries) {
    String retry = command.charged() ? " (retry " + lost + " of " + retries + ")" : " (not counted as a retry)";
    return "Requeued after attempt " + attempts.size() + ": " + command.reason() + retry + ".";
  }
}

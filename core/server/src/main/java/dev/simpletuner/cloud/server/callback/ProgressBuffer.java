package dev.simpletuner.cloud.server.callback;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobEvents;
import dev.simpletuner.cloud.server.job.PerJobQueue;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.store.JobUpdate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * Writes the step progress held in {@link StepProgress} a few times a second rather than once per
 * event: every {@value #FLUSH_MS} ms, one write of each job and one batch of its chart points, on
 * the job's queue; any other event of the job writes it first ({@link #flush}), so the order of
 * what the trainer said is kept. A crash loses at most that much progress, which the next step
 * reports again. Lives on the lifecycle verticle.
 */
public final class ProgressBuffer {
  static final long FLUSH_MS = 250;

  private final ServerContext ctx;
  private final JobEvents events;
  private final PerJobQueue queue;
  private final StepProgress steps;

  public ProgressBuffer(Vertx vertx, ServerContext ctx, JobEvents events, PerJobQueue queue, StepProgress steps) {
    this.ctx = ctx;
    this.events = events;
    this.queue = queue;
    this.steps = steps;
    vertx.setPeriodic(FLUSH_MS, id -> List.copyOf(steps.jobs()).forEach(jobId -> queue.run(jobId,
        () -> flush(jobId))));
  }

  /** The job is running here: its plain progress may be held from now on. */
  void running(String jobId) {
    steps.running(jobId);
  }

  /** Writes what is held for the job (call on its queue). */
  Future<Void> flush(String jobId) {
    StepProgress.Held held = steps.take(jobId);
    if (held == null) {
      return Future.succeededFuture();
    }
    return ctx.store().jobs().get(jobId).compose(found -> {
      if (found.isEmpty() || !found.get().status().isActive()) {
        return Future.succeededFuture();
      }
      Job job = found.get();
      return events.update(jobId, JobUpdate.create().progress(held.reading().mergeInto(job.progress(), "callback",
              ctx.now(), job.startedAt())))
          .compose(v -> ctx.store().metrics().recordAll(jobId, held.points(), ctx.now()));
    });
  }

  /** The job ended: nothing more is held for it. */
  void forget(String jobId) {
    steps.forget(jobId);
  }
}

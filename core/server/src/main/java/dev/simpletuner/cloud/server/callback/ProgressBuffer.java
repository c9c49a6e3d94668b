package dev.simpletuner.cloud.server.callback;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobEvents;
import dev.simpletuner.cloud.server.job.PerJobQueue;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.store.JobUpdate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Writes the step progress held in {@link StepProgress} a few times a second rather than once per
 * event: every {@value #FLUSH_MS} ms, one write of each job and one batch of its chart points, on
 * the job's queue; any other event of the job writes it first, or with its own change of the job
 * (one write, {@link #take}), so the order of what the trainer said is kept. A crash loses at most
 * that much progress, which the next step reports again. Lives on the lifecycle verticle.
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

  /** The job is running here: its plain progress may be held from now on (see StepProgress#running). */
  void running(String jobId, boolean consoleLogged) {
    steps.running(jobId, consoleLogged);
  }

  /** Writes what is held for the job (call on its queue). */
  Future<Void> flush(String jobId) {
    StepProgress.Held held = steps.take(jobId);
    if (held == null) {
      return Future.succeededFuture();
    }
    return ctx.store().jobs().get(jobId).compose(found -> found.isEmpty() ? Future.succeededFuture()
        : write(found.get(), held));
  }

  /** Takes what is held for the job, to be written with the job's next change ({@link #write}); or null. */
  StepProgress.Held take(String jobId) {
    return steps.take(jobId);
  }

  /** Writes progress taken from the buffer, if the job is still active. */
  Future<Void> write(Job job, StepProgress.Held held) {
    if (held == null || !job.status().isActive()) {
      return Future.succeededFuture();
    }
    return events.update(job.jobId(), JobUpdate.create().progress(merged(job, held)))
        .compose(v -> points(job, held));
  }

  /** The job's stored progress with the held reading merged in. */
  JsonObject merged(Job job, StepProgress.Held held) {
    return held.reading().mergeInto(job.progress(), "callback", ctx.now(), job.startedAt());
  }

  /** Keeps the held chart points. */
  Future<Void> points(Job job, StepProgress.Held held) {
    return ctx.store().metrics().recordAll(job.jobId(), held.points(), ctx.now());
  }

  /** See {@link StepProgress#stageChanged}. */
  boolean stageChanged(String jobId, String stageKey, String status) {
    return steps.stageChanged(jobId, stageKey, status);
  }

  /** The job ended: nothing more is held for it. */
  void forget(String jobId) {
    steps.forget(jobId);
  }
}

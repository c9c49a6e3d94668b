package dev.simpletuner.cloud.server.job;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.store.JobUpdate;
import dev.simpletuner.cloud.server.store.MetricStore.Point;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The progress a trainer reports with every step, applied a few times a second rather than once
 * per event: SimpleTuner sends a status event per optimisation step (trainer.py), which on a fast
 * GPU is dozens a second, each of which would otherwise be a write of the job and a chart point.
 * Readings of a running job are merged here and written, with all their chart points in one
 * batch, {@value #FLUSH_MS} ms after the first; any other event of the job flushes them first, so
 * the order of what the trainer said is kept. A crash loses at most that much progress, which the
 * next step reports again.
 */
final class ProgressBuffer {
  static final long FLUSH_MS = 250;

  private final Vertx vertx;
  private final ServerContext ctx;
  private final JobEvents events;
  private final PerJobQueue queue;
  private final Map<String, Pending> pending = new HashMap<>();
  private final Set<String> running = new HashSet<>();

  private static final class Pending {
    ProgressReading reading;
    final List<Point> points = new ArrayList<>();
  }

  ProgressBuffer(Vertx vertx, ServerContext ctx, JobEvents events, PerJobQueue queue) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.events = events;
    this.queue = queue;
  }

  /** The job is running here: its plain progress may be buffered from now on. */
  void running(String jobId) {
    running.add(jobId);
  }

  /** Takes an event that only reports progress of a running job; false for anything else. */
  boolean offer(String jobId, TrainerEvent event) {
    if (!running.contains(jobId) || !"training.status".equals(event.type()) || event.progress() == null
        || event.failure() != null || event.timeline()) {
      return false;
    }
    Pending p = pending.get(jobId);
    if (p == null) {
      p = new Pending();
      pending.put(jobId, p);
      vertx.setTimer(FLUSH_MS, t -> queue.run(jobId, () -> flush(jobId)));
    }
    ProgressReading r = event.progress();
    p.reading = p.reading == null ? r : p.reading.followedBy(r);
    if (r.current() != null && (r.loss() != null || r.learningRate() != null)) {
      p.points.add(new Point(r.current(), r.loss(), r.learningRate()));
    }
    return true;
  }

  /** Writes what is buffered for the job (call on its queue). */
  Future<Void> flush(String jobId) {
    Pending p = pending.remove(jobId);
    if (p == null) {
      return Future.succeededFuture();
    }
    return ctx.store().jobs().get(jobId).compose(found -> {
      if (found.isEmpty() || !found.get().status().isActive()) {
        return Future.succeededFuture();
      }
      Job job = found.get();
      return events.update(jobId, JobUpdate.create().progress(p.reading.mergeInto(job.progress(), "callback",
              ctx.now(), job.startedAt())))
          .compose(v -> ctx.store().metrics().recordAll(jobId, p.points, ctx.now()));
    });
  }

  /** The job ended: nothing more is buffered for it. */
  void forget(String jobId) {
    running.remove(jobId);
    pending.remove(jobId);
  }
}

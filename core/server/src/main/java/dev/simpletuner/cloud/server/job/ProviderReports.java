package dev.simpletuner.cloud.server.job;

import dev.simpletuner.cloud.server.callback.CallbackHandler;
import dev.simpletuner.cloud.server.callback.ProgressReading;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.store.JobUpdate;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** Applies what a provider reports about a job (pushed by the provider or pulled by polling). */
public final class ProviderReports {
  private final ServerContext ctx;
  private final JobEvents events;

  ProviderReports(ServerContext ctx, JobEvents events) {
    this.ctx = ctx;
    this.events = events;
  }

  /** Returns true when the job reached a terminal status through this report. */
  Future<Boolean> apply(Job job, ProviderJobStatus report) {
    if (job.status().isTerminal()) {
      return Future.succeededFuture(false);
    }
    JobStatus target = JobStatus.fromProvider(report.status());
    JobUpdate update = JobUpdate.create();
    if (report.startedAt() != null) {
      update.startedAtIfUnset(report.startedAt().toEpochMilli());
    }
    if (target == job.status()) {
      String words = waitingWords(job, report);
      if (words != null) {
        // Why a job still waits (a pod no node can take, an image that cannot be pulled) is its stage until it runs.
        update.progress(new JsonObject().put("stage", words).put("source", "provider").put("updated_at", ctx.now()));
        return events.update(job.jobId(), update)
            .compose(v -> events.timeline(job.jobId(), "provider", new JsonObject().put("message", words)))
            .map(false);
      }
      return update.isEmpty() ? Future.succeededFuture(false) : events.update(job.jobId(), update).map(false);
    }
    if (!target.isTerminal() && job.progress() != null && "provider".equals(job.progress().getString("source"))) {
      update.progress(new JsonObject().put("stage", "Starting").put("source", "provider").put("updated_at", ctx.now()));
    }
    if (target.isTerminal()) {
      long completed = report.completedAt() != null ? report.completedAt().toEpochMilli() : ctx.now();
      update.completedAt(completed).costUsd(finalCost(job, report, completed));
      if (target == JobStatus.FAILED && failure(job, report) != null) {
        update.errorMessage(failure(job, report));
      }
      if (report.outputUrl() != null) {
        update.outputUrl(report.outputUrl());
      }
      if (target == JobStatus.COMPLETED) {
        Long started = job.startedAt() != null ? job.startedAt()
            : report.startedAt() == null ? null : report.startedAt().toEpochMilli();
        update.progress(new ProgressReading("Completed", null, null, 100.0, 0.0, null, null, null)
            .mergeInto(job.progress(), "provider", ctx.now(), started));
      }
    }
    String why = target == JobStatus.FAILED ? failure(job, report) : report.errorMessage();
    return events.transition(job.jobId(), target, update, why)
        .map(moved -> moved.isPresent() && target.isTerminal());
  }

  /** What the provider says about a job still waiting, when it says something new; else null. */
  private static String waitingWords(Job job, ProviderJobStatus report) {
    String words = report.errorMessage();
    if (job.status() != JobStatus.QUEUED || words == null || words.isBlank()) {
      return null;
    }
    return job.progress() != null && words.equals(job.progress().getString("stage")) ? null : words;
  }

  /**
   * Why a job failed: the trainer's own words when it gave any, then what the provider saw (an exit
   * status); the provider's excerpt of the trainer's output only when the trainer said nothing.
   */
  static String failure(Job job, ProviderJobStatus report) {
    String trainer = CallbackHandler.trainerError(job);
    String provider = report.errorMessage();
    if (trainer == null) {
      return provider;
    }
    if (provider == null) {
      return trainer;
    }
    int excerpt = provider.indexOf(ProviderJobStatus.LAST_OUTPUT);
    String reason = (excerpt >= 0 ? provider.substring(0, excerpt) : provider).strip();
    return reason.isEmpty() || trainer.contains(reason) ? trainer : trainer + " — " + reason;
  }

  /** Provider-reported billable time at the job's own rate; else wall time from start to end. */
  private static double finalCost(Job job, ProviderJobStatus report, long completed) {
    if (report.billableSeconds() != null) {
      return report.billableSeconds() * job.costPerSecond();
    }
    Long started = job.startedAt() != null ? job.startedAt()
        : report.startedAt() == null ? null : report.startedAt().toEpochMilli();
    return started == null ? 0.0 : Math.max(0, completed - started) / 1000.0 * job.costPerSecond();
  }
}

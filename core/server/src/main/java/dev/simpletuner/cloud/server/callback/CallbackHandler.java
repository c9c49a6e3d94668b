package dev.simpletuner.cloud.server.callback;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobAnswer;
import dev.simpletuner.cloud.server.job.JobCommand;
import dev.simpletuner.cloud.server.job.JobEvents;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.PerJobQueue;
import dev.simpletuner.cloud.server.joblog.LogIngest;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.store.JobUpdate;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Applies trainer callbacks (see {@link TrainerEvent} for what each event means). The trainer may
 * say it is running, how far it got, and why it stopped; whether a job completed or failed is
 * decided by its provider (exit status, provider status), so a trainer that reports success and
 * then crashes is still recorded as failed. The trainer's own reason is kept in the job's
 * metadata and becomes its error message when the provider reports the failure.
 *
 * <p>The timeline gets lifecycle steps, not every event: one entry per stage and status (a
 * stage's repeated progress updates fold into it), checkpoints, validations, notes and errors.
 * Log records go to the job log.
 */
public final class CallbackHandler {
  static final String TRAINER_ERROR = "trainer_error";
  private static final Set<JobStatus> NOT_YET_RUNNING = EnumSet.of(JobStatus.PENDING, JobStatus.UPLOADING,
      JobStatus.QUEUED);

  private final ServerContext ctx;
  private final JobEvents events;
  private final LogIngest logs;
  private final ValidationImages images;
  private final ProgressBuffer progress;
  private final PerJobQueue queue;

  public CallbackHandler(ServerContext ctx, JobEvents events, LogIngest logs, ValidationImages images,
                  ProgressBuffer progress, PerJobQueue queue) {
    this.ctx = ctx;
    this.events = events;
    this.logs = logs;
    this.images = images;
    this.progress = progress;
    this.queue = queue;
  }

  /**
   * A trainer's event that is not plain step progress (the HTTP verticle holds that in
   * {@link StepProgress}): applied on the job's queue, after the progress held for the job.
   *
   * <p>The report's media are the files the ingest decoded from the event's images (deleted here
   * unless kept).
   */
  public Future<JobAnswer.Received> receive(JobCommand.TrainerReport report) {
    String jobId = report.jobId();
    TrainerEvent event = report.event();
    return queue.run(jobId, () -> handle(jobId, event, report.media(), "callback", progress.take(jobId)));
  }

  /**
   * @param source {@code callback}, or {@code log} for events read from the trainer's console
   *               (whose progress must not outrank the console's own bars, see LogIngest)
   */
  private Future<JobAnswer.Received> handle(String jobId, TrainerEvent event, JsonArray media, String source,
                                            StepProgress.Held held) {
    return ctx.store().jobs().get(jobId).compose(found -> {
      Job job = found.orElseThrow(() -> new AppException(ErrorCode.JOB_NOT_FOUND, "No job " + jobId + "."));
      if (job.status().isTerminal()) {
        return images.discard(media).map(v -> new JobAnswer.Received(jobId, "ignored",
            "the job is already " + job.status().wireName()));
      }
      Future<Job> current = Future.succeededFuture(job);
      if (event.running() && NOT_YET_RUNNING.contains(job.status()) && job.dispatchedAt() != null) {
        current = events.transition(jobId, JobStatus.RUNNING, JobUpdate.create(), "The trainer started")
            .map(moved -> moved.orElse(job));
      }
      return current.compose(latest -> {
        if (latest.status() == JobStatus.RUNNING) {
          progress.running(jobId, logsTheConsole(latest));
        }
        return apply(latest, event, media, source, held);
      }).map(v -> JobAnswer.Received.of(jobId));
    });
  }

  /**
   * Applies the events a trainer's console lines stood for (see {@link ConsoleReader}), in order.
   * Call on the job's queue.
   */
  public Future<Void> fromConsole(String jobId, List<JsonObject> consoleEvents) {
    Future<?> chain = consoleEvents.isEmpty() ? Future.succeededFuture() : progress.flush(jobId);
    for (JsonObject event : consoleEvents) {
      chain = chain.compose(v -> handle(jobId, TrainerEvent.parse(event), null, "log", null));
    }
    return chain.mapEmpty();
  }

  /** Forgets what was kept for a job that ended (timeline folding, buffered progress). */
  public void forget(String jobId) {
    progress.forget(jobId);
  }

  /** @param held step progress taken from the buffer: written with this event's change of the job */
  private Future<Void> apply(Job job, TrainerEvent event, JsonArray media, String source, StepProgress.Held held) {
    if (!event.logLines().isEmpty()) {
      return progress.write(job, held).compose(v -> images.discard(media))
          .compose(v -> logsTheConsole(job) ? Future.succeededFuture()
              : logs.append(job.jobId(), event.logLines()).mapEmpty());
    }
    if ("training.validation".equals(event.type())) {
      return progress.write(job, held).compose(v -> images.record(job, event.validationLabel(), media))
          .compose(kept -> kept == null ? Future.succeededFuture()
              : events.timeline(job.jobId(), "validation", kept));
    }
    JobUpdate update = JobUpdate.create();
    JsonObject stored = held == null ? job.progress() : progress.merged(job, held);
    ProgressReading reading = stageAware(stored, event);
    if (reading != null) {
      update.progress(reading.mergeInto(stored, source, ctx.now(), job.startedAt()));
    } else if (held != null) {
      update.progress(stored);
    }
    if (event.failure() != null && job.metadata().getString(TRAINER_ERROR) == null) {
      // The first reason wins: later events ("failed") say less than the error that caused them.
      update.metadata(job.metadata().copy().put(TRAINER_ERROR, event.failure()));
    }
    return images.discard(media)
        .compose(v -> update.isEmpty() ? Future.succeededFuture() : events.update(job.jobId(), update))
        .compose(v -> held == null ? Future.succeededFuture() : progress.points(job, held))
        .compose(v -> events.chart(job.jobId(), reading))
        .compose(v -> timelineWorthy(job.jobId(), event) ? events.timeline(job.jobId(), event.type(),
            timelineData(event)) : Future.succeededFuture());
  }

  /** Jobs on this machine already log the trainer's console, where every log record is too. */
  private boolean logsTheConsole(Job job) {
    return ctx.providers().get(job.provider()).map(h -> h.runsLocally()).orElse(false);
  }

  /** A stage that ends hands the job back to training while steps remain. */
  private static ProgressReading stageAware(JsonObject stored, TrainerEvent event) {
    ProgressReading p = event.progress();
    if (p == null || !"lifecycle.stage".equals(event.type()) || "running".equals(event.stageStatus())
        || TrainerEvent.COMPLETE_STAGE.equals(p.stage())) {
      return p;
    }
    Long current = stored == null ? null : stored.getLong("current");
    Long total = stored == null ? null : stored.getLong("total");
    boolean midTraining = current != null && total != null && current > 0 && current < total;
    return midTraining ? new ProgressReading(TrainerEvent.TRAINING, null, null, null, null, null, null, null) : null;
  }

  private boolean timelineWorthy(String jobId, TrainerEvent event) {
    if (!event.timeline()) {
      return false;
    }
    return event.stageKey() == null
        || progress.stageChanged(jobId, event.stageKey(), event.stageStatus() == null ? "" : event.stageStatus());
  }

  private static JsonObject timelineData(TrainerEvent event) {
    JsonObject data = new JsonObject().put("message", event.message());
    if (event.progress() != null && event.progress().stage() != null) {
      data.put("stage", event.progress().stage());
    }
    if (event.stageStatus() != null) {
      data.put("stage_status", event.stageStatus());
    }
    if (event.failure() != null) {
      data.put("error", event.failure());
    }
    return data;
  }

  /** The trainer's own reason a job failed, if it gave one. */
  public static String trainerError(Job job) {
    return job.metadata() == null ? null : job.metadata().getString(TRAINER_ERROR);
  }
}

package dev.simpletuner.cloud.server.job;

import dev.simpletuner.cloud.server.callback.CallbackHandler;
import dev.simpletuner.cloud.server.callback.ProgressBuffer;
import dev.simpletuner.cloud.server.callback.StepProgress;
import dev.simpletuner.cloud.server.callback.ValidationImages;
import dev.simpletuner.cloud.server.joblog.LogIngest;
import dev.simpletuner.cloud.server.submit.SubmitHandler;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.artifact.ArtifactFiles;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.bus.Bus;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.s3.DatasetBuckets;
import dev.simpletuner.cloud.server.retention.RetentionPurge;
import dev.simpletuner.cloud.server.store.JobUpdate;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.ProviderStatus;
import dev.simpletuner.cloud.spi.RecoveredJob;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job state machine's home and the only writer of job status: submissions, cancels, deletes,
 * provider reports, trainer callbacks and log lines all arrive here over the event bus and are
 * applied one at a time per job.
 */
public final class JobLifecycleVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(JobLifecycleVerticle.class);
  private static final long DISPATCH_TICK_MS = 5_000;
  private static final long APPROVAL_TICK_MS = 60_000;
  private static final long ORPHAN_TICK_MS = 10_000;

  private final ServerContext ctx;
  private final ArtifactFiles artifactFiles;
  private final PerJobQueue queue = new PerJobQueue();
  private JobEvents events;
  private Dispatcher dispatcher;
  private SubmitHandler submits;
  private ProviderReports reports;
  private LogIngest logs;
  private CallbackHandler callbacks;
  private OrphanedDispatches orphans;
  private WorkerRequeue requeues;

  private final StepProgress steps;

  /** @param steps the step progress the HTTP verticles hold for this one to write */
  public JobLifecycleVerticle(ServerContext ctx, StepProgress steps) {
    this.ctx = ctx;
    this.steps = steps;
    this.artifactFiles = new ArtifactFiles(ctx.config());
  }

  @Override
  public Future<?> start() {
    events = new JobEvents(vertx, ctx);
    dispatcher = new Dispatcher(vertx, ctx, events, queue);
    submits = new SubmitHandler(vertx, ctx, events, dispatcher);
    reports = new ProviderReports(ctx, events);
    logs = new LogIngest(vertx, ctx, events);
    callbacks = new CallbackHandler(ctx, events, logs, new ValidationImages(vertx, ctx),
        new ProgressBuffer(vertx, ctx, events, queue, steps), queue);
    orphans = new OrphanedDispatches(ctx, dispatcher, events);
    requeues = new WorkerRequeue(ctx, events);
    // Answered once stored, for senders that read on from there (the cloud log follower).
    vertx.eventBus().<JsonObject>consumer(Addresses.JOB_PROVIDER_LOGS, m -> onLogs(m.body())
        .onComplete(ar -> m.reply(null)));
    vertx.eventBus().<JsonObject>consumer(Addresses.JOB_DISPATCH,
        m -> dispatcher.dispatch(m.body().getString("provider")));
    vertx.eventBus().<JsonObject>consumer(Addresses.UPLOAD_PROGRESS, m -> uploadProgress(m.body()));
    return Future.all(List.of(
            Bus.answer(vertx, Addresses.JOB_SUBMIT, JobCommand.Submit.class, submits::submit),
            Bus.answer(vertx, Addresses.JOB_PREVIEW, JobCommand.Preview.class, submits::preview),
            Bus.answer(vertx, Addresses.JOB_DRY_RUN, JobCommand.DryRun.class, submits::dryRun),
            Bus.answer(vertx, Addresses.JOB_CANCEL, JobCommand.Cancel.class, this::cancel),
            Bus.answer(vertx, Addresses.JOB_DELETE, JobCommand.Delete.class, this::delete),
            Bus.answer(vertx, Addresses.JOB_CALLBACK, JobCommand.TrainerReport.class, callbacks::receive),
            Bus.answer(vertx, Addresses.JOB_PROVIDER_STATUS, JobCommand.ProviderReport.class, this::providerStatus),
            Bus.answer(vertx, Addresses.UPLOAD_DONE, JobCommand.UploadDone.class, this::uploadDone),
            Bus.answer(vertx, Addresses.UPLOAD_FAILED, JobCommand.UploadFailed.class, this::uploadFailed),
            Bus.answer(vertx, Addresses.APPROVAL_DECIDE, JobCommand.Decide.class, this::decide),
            Bus.answer(vertx, Addresses.JOB_REQUEUE, JobCommand.Requeue.class, this::requeue)))
        .compose(v -> clearIncoming())
        .compose(v -> recover())
        .onSuccess(v -> {
          vertx.setPeriodic(DISPATCH_TICK_MS, id -> dispatcher.dispatchAll());
          // Housekeeping runs on one instance of a cluster at a time.
          // Finished jobs, audit entries and idempotency keys past their retention (config retention.*).
          new RetentionPurge(vertx, ctx).schedule();
          vertx.setPeriodic(APPROVAL_TICK_MS, id -> ctx.leases().whileHolding("approval-expiry",
              this::expireApprovals));
          vertx.setPeriodic(ORPHAN_TICK_MS, id -> ctx.leases().whileHolding("orphaned-work", orphans::sweep)
              .onFailure(e -> LOG.warn("Looking for work of stopped instances failed: {}", e.getMessage())));
        });
  }

  private Future<JobAnswer.Changed> cancel(JobCommand.Cancel command) {
    String jobId = command.jobId();
    return queue.run(jobId, () -> ctx.store().jobs().get(jobId).compose(found -> {
      Job job = found.orElseThrow(() -> notFound(jobId));
      if (!job.status().isActive()) {
        return Future.failedFuture(new AppException(ErrorCode.INVALID_JOB_STATE, "Job " + jobId + " is "
            + job.status().wireName() + "; only active jobs can be cancelled.", stateDetails(job, JobStatus.ACTIVE)));
      }
      Future<Void> stopped = job.externalId() == null ? Future.succeededFuture() : stopAtProvider(job);
      return stopped
          .compose(v -> events.transition(jobId, JobStatus.CANCELLED, JobUpdate.create().completedAt(ctx.now()),
              "Cancelled by " + command.caller().username()))
          .map(moved -> {
            forget(jobId);
            dispatcher.dispatch(job.provider());
            return new JobAnswer.Changed(jobId, moved.map(Job::status).orElse(JobStatus.CANCELLED));
          });
    }));
  }

  private Future<Void> stopAtProvider(Job job) {
    ProviderHandle handle = ctx.providers().get(job.provider()).orElseThrow(() -> new AppException(
        ErrorCode.PROVIDER_UNAVAILABLE, "Provider " + job.provider() + " is not available on this server."));
    return handle.cancel(job.externalId()).recover(e -> Future.failedFuture(new AppException(
        ErrorCode.PROVIDER_ERROR, "The provider could not cancel the job: " + e.getMessage(),
        new JsonObject().put("job_id", job.jobId()))));
  }

  private Future<JobAnswer.Deleted> delete(JobCommand.Delete command) {
    String jobId = command.jobId();
    return queue.run(jobId, () -> ctx.store().jobs().delete(jobId, JobStatus.TERMINAL).compose(deleted -> {
      if (deleted) {
        forget(jobId);
        vertx.eventBus().publish(Addresses.JOB_DELETED, new JsonObject().put("job_id", jobId));
        return removeArtifacts(jobId).compose(v -> removeScratch(jobId))
            .map(v -> new JobAnswer.Deleted(jobId));
      }
      return ctx.store().jobs().get(jobId).compose(found -> {
        Job job = found.orElseThrow(() -> notFound(jobId));
        return Future.failedFuture(new AppException(ErrorCode.INVALID_JOB_STATE, "Cannot delete job " + jobId
            + " while it is " + job.status().wireName() + ". Cancel it first.", stateDetails(job, JobStatus.TERMINAL)));
      });
    }));
  }

  /**
   * The deleted job's artifacts: records first (so none points at a missing file), then files. The
   * job is gone either way, so a failure here is logged, not returned.
   */
  private Future<Void> removeArtifacts(String jobId) {
    return ctx.store().artifacts().deleteJob(jobId)
        .recover(e -> {
          LOG.warn("Job {} was deleted, but its artifact records were not: {}", jobId, e.toString());
          return Future.succeededFuture();
        })
        .compose(v -> artifactFiles.deleteJob(vertx, jobId))
        .recover(e -> {
          LOG.warn("Job {} was deleted, but its artifact files in {} were not: {}", jobId,
              artifactFiles.root().resolve(jobId), e.toString());
          return Future.succeededFuture();
        });
  }

  /** What the job's cloud trainer wrote beside the datasets served to it (its caches). */
  private Future<Void> removeScratch(String jobId) {
    return DatasetBuckets.deleteScratch(vertx, ctx.config(), jobId).recover(e -> {
      LOG.warn("Job {} was deleted, but the scratch space of its served datasets was not: {}", jobId, e.toString());
      return Future.succeededFuture();
    });
  }

  private Future<Boolean> providerStatus(JobCommand.ProviderReport command) {
    String jobId = command.jobId();
    ProviderJobStatus report = command.status();
    return queue.run(jobId, () -> ctx.store().jobs().get(jobId)
        .compose(found -> found.isEmpty() ? Future.succeededFuture(false) : reports.apply(found.get(), report)
            .onSuccess(ended -> {
              if (ended) {
                forget(jobId);
                dispatcher.dispatch(found.get().provider());
              }
            })));
  }

  private Future<JobAnswer.Changed> requeue(JobCommand.Requeue command) {
    String jobId = command.jobId();
    return queue.run(jobId, () -> ctx.store().jobs().get(jobId).compose(found -> {
      Job job = found.orElseThrow(() -> notFound(jobId));
      return requeues.apply(job, command).map(moved -> {
        moved.filter(j -> j.status().isTerminal()).ifPresent(j -> forget(jobId));
        dispatcher.dispatch(job.provider());
        return new JobAnswer.Changed(jobId, moved.map(Job::status).orElse(job.status()));
      });
    }));
  }

  private void uploadProgress(JsonObject message) {
    String jobId = message.getString("job_id");
    queue.run(jobId, () -> ctx.store().jobs().get(jobId).compose(found -> {
      if (found.isEmpty() || found.get().status() != JobStatus.UPLOADING) {
        return Future.succeededFuture();
      }
      Job job = found.get();
      String stage = message.getString("stage");
      boolean newStage = job.progress() == null || !stage.equals(job.progress().getString("stage"));
      JsonObject progress = new JsonObject().put("stage", stage).put("percent", message.getDouble("percent"))
          .put("source", "upload").put("updated_at", ctx.now());
      Future<?> timeline = newStage ? events.timeline(jobId, "upload", new JsonObject().put("stage", stage)
          .put("message", message.getString("message"))) : Future.succeededFuture();
      return timeline.compose(v -> events.update(jobId, JobUpdate.create().progress(progress)));
    })).onFailure(e -> LOG.debug("Upload progress of {} not recorded: {}", jobId, e.getMessage()));
  }

  /** @return whether the job moved on to the queue */
  private Future<Boolean> uploadDone(JobCommand.UploadDone command) {
    String jobId = command.jobId();
    return queue.run(jobId, () -> ctx.store().jobs().get(jobId).compose(found -> {
      if (found.isEmpty() || found.get().status() != JobStatus.UPLOADING) {
        return Future.succeededFuture(false);
      }
      Job job = found.get();
      JsonObject metadata = job.metadata().copy().put("data_archive_url", command.url())
          .put("archive_bytes", command.archiveBytes());
      return events.transition(jobId, JobStatus.QUEUED, JobUpdate.create().metadata(metadata)
              .progress(new JsonObject().put("stage", "Dataset uploaded").put("percent", 0.0).put("source", "upload")
                  .put("updated_at", ctx.now())), "Dataset uploaded")
          .map(moved -> {
            dispatcher.dispatch(job.provider());
            return moved.isPresent();
          });
    }));
  }

  /** @return whether the job failed now (false: it had ended, or is gone) */
  private Future<Boolean> uploadFailed(JobCommand.UploadFailed command) {
    String jobId = command.jobId();
    String error = "Dataset upload failed: " + command.error();
    return queue.run(jobId, () -> events.transition(jobId, JobStatus.FAILED, JobUpdate.create().errorMessage(error)
        .completedAt(ctx.now()), error).map(moved -> moved.isPresent()));
  }

  /**
   * Applies a decision on an approval request: approved jobs continue where they would have gone
   * (upload or queue), rejected and expired ones are cancelled. The decision is recorded once.
   */
  private Future<JobAnswer.Decided> decide(JobCommand.Decide command) {
    String requestId = command.requestId();
    String decision = command.decision();
    String reviewer = command.caller().username();
    String notes = command.notes();
    return ctx.store().approvals().request(requestId).compose(found -> {
      var request = found.orElseThrow(() -> new AppException(ErrorCode.NOT_FOUND, "No approval request "
          + requestId + "."));
      return queue.run(request.jobId(), () -> ctx.store().approvals().decide(requestId, decision, reviewer, notes,
              ctx.now())
          .compose(decided -> {
            if (!decided) {
              throw new AppException(ErrorCode.INVALID_JOB_STATE, "The request was already decided.");
            }
            return events.timeline(request.jobId(), "approval", new JsonObject().put("decision", decision)
                .put("reviewer", reviewer).put("notes", notes));
          })
          .compose(v -> ctx.store().jobs().get(request.jobId()))
          .compose(job -> job.isEmpty() ? Future.succeededFuture() : afterDecision(job.get(), decision, reviewer,
              notes))
          .map(v -> new JobAnswer.Decided(requestId, request.jobId(), decision)));
    });
  }

  private Future<Void> afterDecision(Job job, String decision, String reviewer, String notes) {
    if ("approved".equals(decision)) {
      JobStatus next = JobStatus.parse(job.metadata().getString("after_approval", "queued"));
      return events.transition(job.jobId(), next, JobUpdate.create(), "Approved by " + reviewer).map(moved -> {
        if (moved.isPresent() && next == JobStatus.UPLOADING) {
          vertx.eventBus().send(Addresses.UPLOAD_START, new JsonObject().put("job_id", job.jobId()));
        } else if (moved.isPresent()) {
          dispatcher.dispatch(job.provider());
        }
        return null;
      });
    }
    String why = "expired".equals(decision) ? "The approval request expired before anyone decided."
        : "Rejected by " + reviewer + (notes == null || notes.isBlank() ? "." : ": " + notes);
    return events.transition(job.jobId(), JobStatus.CANCELLED, JobUpdate.create().completedAt(ctx.now())
        .errorMessage(why), why).mapEmpty();
  }

  private Future<Void> expireApprovals() {
    return ctx.store().approvals().expired(ctx.now()).compose(requests -> Future.join(requests.stream()
        .map(r -> decide(new JobCommand.Decide(Principal.system(), r.requestId(), "expired", null))
            .onFailure(e -> LOG.debug("Approval {} not expired: {}", r.requestId(), e.getMessage())))
        .toList()).mapEmpty());
  }

  private Future<Void> onLogs(JsonObject message) {
    String jobId = message.getString("job_id");
    if (message.getString("partial") != null) {
      return queue.run(jobId, () -> logs.partial(jobId, message.getString("partial")))
          .onFailure(e -> LOG.debug("Progress of job {} not read from its console: {}", jobId, e.getMessage()))
          .recover(e -> Future.succeededFuture());
    }
    List<String> lines = new ArrayList<>();
    message.getJsonArray("lines", new JsonArray()).forEach(l -> lines.add(String.valueOf(l)));
    return queue.run(jobId, () -> logs.append(jobId, lines).compose(events -> callbacks.fromConsole(jobId, events)))
        .onFailure(e -> LOG.warn("Could not store {} log lines of job {}: {}", lines.size(), jobId, e.getMessage()))
        .recover(e -> Future.succeededFuture());
  }

  /**
   * After a restart: hands providers that supervise processes the jobs they were running on this
   * host, restarts uploads that were cut off, settles hand-overs to providers that were cut off, and
   * restarts dispatching. Jobs of other instances sharing the database are theirs.
   */
  private Future<Void> recover() {
    return ctx.store().jobs().active(null).compose(active -> {
      Map<String, List<RecoveredJob>> byProvider = new LinkedHashMap<>();
      List<Future<?>> work = new ArrayList<>();
      for (Job job : active) {
        ProviderHandle handle = ctx.providers().get(job.provider()).orElse(null);
        if (handle == null) {
          LOG.warn("Job {} belongs to provider {}, which is not loaded; it is left as it is.", job.jobId(),
              job.provider());
        } else if (!ownedHere(job)) {
          continue; // another instance's: it recovers its own, or the orphan sweep takes over when it is gone
        } else if (job.status() == JobStatus.UPLOADING) {
          // The archive was never handed over: package and upload it again.
          LOG.info("Restarting the dataset upload of job {}", job.jobId());
          vertx.eventBus().send(Addresses.UPLOAD_START, new JsonObject().put("job_id", job.jobId()));
        } else if (job.status() == JobStatus.PENDING && job.dispatchedAt() == null) {
          work.add(events.transition(job.jobId(), JobStatus.FAILED, JobUpdate.create().completedAt(ctx.now())
                  .errorMessage("The server restarted before the job was handed to the provider. Submit it again."),
              "Interrupted by a server restart")
              .onFailure(e -> LOG.error("Job {} was cut off before its hand-over but could not be marked failed; it "
                  + "is tried again at the next start: {}", job.jobId(), e.toString())));
        } else if (job.dispatchedAt() != null && handle.reportsStatus()
            && ctx.hostId().equals(job.hostId())) {
          byProvider.computeIfAbsent(job.provider(), k -> new ArrayList<>())
              .add(new RecoveredJob(job.jobId(), job.externalId() != null ? job.externalId() : job.jobId(),
                  job.status() == JobStatus.RUNNING ? ProviderStatus.RUNNING : ProviderStatus.QUEUED));
        }
      }
      byProvider.forEach((providerId, jobs) -> {
        LOG.info("Handing {} running job(s) back to provider {}", jobs.size(), providerId);
        work.add(ctx.providers().get(providerId).get().recover(jobs)
            .recover(e -> notTakenBack(providerId, jobs, e)));
      });
      work.add(orphans.resolveOwn(active)
          .onFailure(e -> LOG.error("Settling the hand-overs cut off by the restart failed; the orphan sweep tries "
              + "again: {}", e.toString())));
      // Each failure above is recorded where it happened; the rest of start-up goes on regardless.
      return Future.join(work).<Void>mapEmpty().otherwiseEmpty();
    }).compose(v -> dispatcher.dispatchAll());
  }

  /**
   * A provider that could not take back the jobs it was running (their processes are watched by
   * nobody now): the jobs fail with its reason rather than stay running for ever.
   */
  private Future<Void> notTakenBack(String providerId, List<RecoveredJob> jobs, Throwable e) {
    String reason = e.getMessage() == null ? e.toString() : e.getMessage();
    LOG.error("Provider {} could not take back its {} running job(s) after the restart: {}", providerId, jobs.size(),
        reason);
    String message = "After the server restarted, " + providerId + " could not take the job back: " + reason
        + ". Its trainer may still be running; check the machine.";
    return Future.join(jobs.stream().map(j -> queue.run(j.jobId(), () -> events.transition(j.jobId(),
            JobStatus.FAILED, JobUpdate.create().errorMessage(message).completedAt(ctx.now()), message))
        .onFailure(f -> LOG.error("Job {} could not be marked failed either: {}", j.jobId(), f.toString())))
        .toList()).mapEmpty();
  }

  /** Jobs this instance accepted or runs (no host: written before jobs recorded one). */
  private boolean ownedHere(Job job) {
    return job.hostId() == null || ctx.hostId().equals(job.hostId());
  }

  /**
   * Removes what trainer events left half-received when the server stopped (bodies and images
   * decoded from them); the HTTP verticles start after this one.
   */
  private Future<Void> clearIncoming() {
    String incoming = new ArtifactFiles(ctx.config()).incomingDir().toString();
    return vertx.fileSystem().exists(incoming).compose(exists -> exists ? vertx.fileSystem().deleteRecursive(incoming)
        : Future.succeededFuture());
  }

  /** Drops what was kept in memory about a job that ended. */
  private void forget(String jobId) {
    logs.forget(jobId);
    callbacks.forget(jobId);
  }

  private static AppException notFound(String jobId) {
    return new AppException(ErrorCode.JOB_NOT_FOUND, "No job with id " + jobId + ".",
        new JsonObject().put("job_id", jobId));
  }

  private static JsonObject stateDetails(Job job, java.util.Set<JobStatus> allowed) {
    return new JsonObject().put("job_id", job.jobId()).put("current_state", job.status().wireName())
        .put("allowed_states", new JsonArray(allowed.stream().map(JobStatus::wireName).toList()));
  }
}

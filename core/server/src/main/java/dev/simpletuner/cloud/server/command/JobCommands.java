package dev.simpletuner.cloud.server.command;

import dev.simpletuner.cloud.server.access.JobAccess;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Permission;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.auth.Role;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.bus.Bus;
import dev.simpletuner.cloud.server.delivery.DeliveryStatus;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobAnswer;
import dev.simpletuner.cloud.server.job.JobCommand;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.ProviderLookup;
import dev.simpletuner.cloud.server.callback.StepProgress;
import dev.simpletuner.cloud.server.reproduce.CloneRequest;
import dev.simpletuner.cloud.server.submit.SubmitRequest;
import dev.simpletuner.cloud.server.callback.TrainerEvent;
import dev.simpletuner.cloud.server.settings.ProviderSettings;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.ProviderStatus;
import java.time.Instant;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Objects;

/**
 * The one front door for what changes jobs, whoever asks (the API, the UI, CI, a trainer, a
 * provider): typed requests in, {@link JobAnswer}s out, failures only as {@link AppException}s.
 * It checks what needs no job state (the caller, who is always given, their permission and
 * ownership, the provider's existence), hands the rest to the job lifecycle as a
 * {@link JobCommand}, and audits what a person changed. Routes only translate HTTP to and from it.
 * Usable from any verticle.
 */
public final class JobCommands {
  private final Vertx vertx;
  private final ServerContext ctx;
  private final StepProgress steps;

  public JobCommands(Vertx vertx, ServerContext ctx, StepProgress steps) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.steps = steps;
  }

  /** Stores a job from a submission ({@code POST /api/cloud/jobs/submit}); answers once it is stored. */
  public Future<JobAnswer.Submitted> submit(Principal caller, String provider, JsonObject body) {
    return submit(caller, provider, body, null);
  }

  /**
   * A submission whose job also records {@code origin} in its metadata (a clone's parent, a
   * sweep): the same checks, idempotency and audit as any other.
   */
  public Future<JobAnswer.Submitted> submit(Principal caller, String provider, JsonObject body, JsonObject origin) {
    Objects.requireNonNull(caller, "caller");
    return attempt(() -> {
      ProviderLookup.require(ctx, provider);
      SubmitRequest request = SubmitRequest.parse(provider, body);
      return new JobCommand.Submit(caller, provider, origin == null ? request : request.withOrigin(origin));
    }).compose(command -> Bus.<JobAnswer.Submitted>ask(vertx, Addresses.JOB_SUBMIT, command))
        .compose(answer -> {
          if (answer.idempotentHit()) {
            return Future.succeededFuture(answer);
          }
          JsonObject details = new JsonObject().put("provider", provider).put("status", answer.status().wireName());
          if (origin != null) {
            // Where the job came from; the audit trail keeps no copy of the config changes.
            origin.fieldNames().stream().filter(k -> !"clone_changes".equals(k))
                .forEach(k -> details.put(k, origin.getValue(k)));
          }
          return audit(caller, "job.submitted", answer.jobId(), details).map(answer);
        });
  }

  /**
   * Runs a job again with changes: the caller must be able to see the parent and to submit; the
   * new job is the caller's, and records its parent and what differs.
   */
  public Future<JobAnswer.Submitted> cloneJob(Principal caller, String parentId, JsonObject overrides) {
    Objects.requireNonNull(caller, "caller");
    return ctx.store().jobs().get(parentId).compose(found -> {
      Job parent = JobAccess.require(caller, parentId, found);
      CloneRequest clone = CloneRequest.of(parent, overrides);
      return submit(caller, clone.provider(), clone.submission(), clone.origin());
    });
  }

  /** Every check a submission would run ({@code ?dry_run=true}): answers what would happen, stores nothing. */
  public Future<JobAnswer.DryRan> dryRun(Principal caller, String provider, JsonObject body) {
    Objects.requireNonNull(caller, "caller");
    return attempt(() -> {
      ProviderLookup.require(ctx, provider);
      return new JobCommand.DryRun(caller, provider, SubmitRequest.parse(provider, body));
    }).compose(command -> Bus.ask(vertx, Addresses.JOB_DRY_RUN, command));
  }

  /** What a submission would upload and cost, with nothing stored. */
  public Future<JobAnswer.Previewed> preview(Principal caller, String provider, JsonObject body) {
    Objects.requireNonNull(caller, "caller");
    return attempt(() -> {
      ProviderLookup.require(ctx, provider);
      return new JobCommand.Preview(caller, provider, SubmitRequest.parsePreview(provider, body));
    }).compose(command -> Bus.ask(vertx, Addresses.JOB_PREVIEW, command));
  }

  public Future<JobAnswer.Changed> cancel(Principal caller, String jobId) {
    return actOn(caller, jobId, Permission.JOB_CANCEL_OWN, Permission.JOB_CANCEL_ALL)
        .compose(job -> Bus.<JobAnswer.Changed>ask(vertx, Addresses.JOB_CANCEL, new JobCommand.Cancel(caller, jobId)))
        .compose(answer -> audit(caller, "job.cancelled", jobId, null).map(answer));
  }

  public Future<JobAnswer.Deleted> delete(Principal caller, String jobId) {
    return actOn(caller, jobId, Permission.JOB_DELETE_OWN, Permission.JOB_DELETE_ALL)
        .compose(job -> Bus.<JobAnswer.Deleted>ask(vertx, Addresses.JOB_DELETE, new JobCommand.Delete(caller, jobId)))
        .compose(answer -> audit(caller, "job.deleted", jobId, null).map(answer));
  }

  /** Delivers a completed job's outputs to one of its targets again (the job's owner, or a lead). */
  public Future<JobAnswer.Retrying> retryDelivery(Principal caller, String jobId, String target) {
    return actOn(caller, jobId, Permission.JOB_CANCEL_OWN, Permission.JOB_CANCEL_ALL).map(job -> {
      if (job.status() != JobStatus.COMPLETED) {
        throw new AppException(ErrorCode.INVALID_JOB_STATE, "Only completed jobs are delivered; job " + jobId + " is "
            + job.status().wireName() + ".");
      }
      JsonObject entry = job.delivery().stream().map(JsonObject.class::cast)
          .filter(e -> target.equals(e.getString("target"))).findFirst()
          .orElseThrow(() -> new AppException(ErrorCode.NOT_FOUND, "Job " + jobId + " is not delivered to '" + target
              + "'.", new JsonObject().put("field", "target")));
      if (!"server".equals(entry.getString("mode"))) {
        throw new AppException(ErrorCode.INVALID_JOB_STATE, "The trainer publishes to " + target + " itself; this "
            + "server cannot deliver it again.");
      }
      if (DeliveryStatus.DELIVERING.equals(entry.getString("status"))) {
        throw new AppException(ErrorCode.INVALID_JOB_STATE, "The delivery to " + target + " is running.");
      }
      vertx.eventBus().send(Addresses.DELIVERY_START, new JsonObject().put("job_id", jobId).put("target", target));
      return new JobAnswer.Retrying(jobId, target);
    }).compose(answer -> audit(caller, "delivery.retried", jobId, new JsonObject().put("target", target)).map(answer));
  }

  /** A lead's or admin's decision on an approval request; nobody but an admin reviews their own job. */
  public Future<JobAnswer.Decided> decide(Principal caller, String requestId, String decision, String notes) {
    Objects.requireNonNull(caller, "caller");
    return ctx.store().approvals().request(requestId).compose(found -> {
      var request = found.orElseThrow(() -> new AppException(ErrorCode.NOT_FOUND, "No approval request "
          + requestId + "."));
      if (request.requestedBy().equals(caller.userId()) && !Role.ADMIN.wireName().equals(caller.role())) {
        throw new AppException(ErrorCode.PERMISSION_DENIED, "You cannot review your own job; another lead or an "
            + "admin has to.");
      }
      // The path may name the request by number; from here on, by its id.
      return Bus.<JobAnswer.Decided>ask(vertx, Addresses.APPROVAL_DECIDE,
              new JobCommand.Decide(caller, request.requestId(), decision, notes))
          .compose(answer -> audit(caller, "approval." + decision, request.jobId(),
              new JsonObject().put("request_id", request.requestId()).put("notes", notes)).map(answer));
    });
  }

  /** Whether {@code token} is the job's own callback token (checked before its event is read). */
  public boolean trainerMayReport(String jobId, String token) {
    return ctx.tokens().verifyCallback(jobId, token);
  }

  /**
   * A trainer's event (its token checked with {@link #trainerMayReport}): plain step progress is
   * held here and answered at once ({@link StepProgress}); the rest goes to the lifecycle.
   *
   * @param media files decoded from the event's images; deleted if the event is not taken
   */
  public Future<JobAnswer.Received> trainerReport(String jobId, JsonObject event, JsonArray media) {
    TrainerEvent parsed = TrainerEvent.parse(event);
    if (media.isEmpty() && steps.offer(jobId, parsed)) {
      return Future.succeededFuture(JobAnswer.Received.of(jobId));
    }
    return Bus.<JobAnswer.Received>ask(vertx, Addresses.JOB_CALLBACK, new JobCommand.TrainerReport(jobId, parsed, media))
        .onFailure(e -> media.forEach(m -> vertx.fileSystem().delete(((JsonObject) m).getString("file"))));
  }

  /**
   * A provider platform's webhook: verified by its plugin, matched to a job by its external id.
   * Anything the plugin cannot verify is refused as a bad token. The provider is named in the
   * path, so one this server lacks is a missing resource (404), not bad input.
   */
  public Future<JobAnswer.Received> providerReport(String providerId, Map<String, String> headers, String raw) {
    return attempt(() -> new ProviderSettings(vertx, ctx).handle(providerId)).compose(handle -> handle
        .parseWebhook(headers, raw)
        .recover(e -> Future.failedFuture(e instanceof SecurityException
            ? new AppException(ErrorCode.INVALID_TOKEN, e.getMessage())
            : e instanceof UnsupportedOperationException
                ? new AppException(ErrorCode.NOT_FOUND, "Provider " + handle.id() + " sends no webhooks.")
                : new AppException(ErrorCode.PROVIDER_ERROR, "Could not verify the webhook: " + e.getMessage())))
        .compose(status -> ctx.store().jobs().byExternalId(handle.id(), status.externalId())
            .compose(job -> job.isEmpty()
                ? Future.succeededFuture(new JobAnswer.Received(null, "ignored", "not a job of this server"))
                : report(job.get().jobId(), status))));
  }

  /**
   * What a worker's agent said of the job it holds (the fleet checked its token and its hold on the
   * job): running, or how the job ended, with the agent's error text.
   */
  public Future<JobAnswer.Received> workerReport(String jobId, String workerId, ProviderStatus status, String error) {
    Instant now = Instant.ofEpochMilli(ctx.now());
    return report(jobId, new ProviderJobStatus(workerId, status, error, status == ProviderStatus.RUNNING ? now : null,
        status == ProviderStatus.RUNNING || status == ProviderStatus.QUEUED ? null : now, null, null));
  }

  /** A worker job lost its worker: see {@link JobCommand.Requeue}. Tried until the lifecycle takes it. */
  public Future<JobAnswer.Changed> requeue(String jobId, String workerId, String reason, boolean charged) {
    return requeue(jobId, workerId, reason, charged, JobCommand.Requeue.Bound.NO);
  }

  /** As {@link #requeue(String, String, String, boolean)}, for a one-job worker: see {@link JobCommand.Requeue}. */
  public Future<JobAnswer.Changed> requeue(String jobId, String workerId, String reason, boolean charged,
                                           JobCommand.Requeue.Bound bound) {
    return Bus.askUntilTaken(vertx, Addresses.JOB_REQUEUE, new JobCommand.Requeue(jobId, workerId, reason, charged,
        bound), 6, 500);
  }

  private Future<JobAnswer.Received> report(String jobId, ProviderJobStatus status) {
    if (status.log() != null) {
      vertx.eventBus().send(Addresses.JOB_LOG_TEXT, new JsonObject().put("job_id", jobId).put("log", status.log())
          .put("ended", JobStatus.fromProvider(status.status()).isTerminal()));
    }
    return Bus.ask(vertx, Addresses.JOB_PROVIDER_STATUS, new JobCommand.ProviderReport(jobId, status))
        .map(ended -> JobAnswer.Received.of(jobId));
  }

  /** The job, if the caller may see it and act on it. */
  private Future<Job> actOn(Principal caller, String jobId, String own, String all) {
    Objects.requireNonNull(caller, "caller");
    return ctx.store().jobs().get(jobId).map(found -> JobAccess.requireToAct(caller, jobId, found, own, all));
  }

  /** Bad input found while a command is made up is a failed future, like every other failure. */
  private static <T> Future<T> attempt(java.util.function.Supplier<T> make) {
    try {
      return Future.succeededFuture(make.get());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private Future<Void> audit(Principal caller, String event, String jobId, JsonObject details) {
    return ctx.audit().record(caller, event, "job", jobId, "ok", details, null, ctx.now());
  }
}

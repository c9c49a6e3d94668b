package dev.simpletuner.cloud.server.submit;

import dev.simpletuner.cloud.server.callback.CallbackTargets;
import dev.simpletuner.cloud.server.job.Dispatcher;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobAnswer;
import dev.simpletuner.cloud.server.job.JobCommand;
import dev.simpletuner.cloud.server.job.JobEvents;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobType;
import dev.simpletuner.cloud.server.job.JobView;
import dev.simpletuner.cloud.server.job.ProviderLookup;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.delivery.DeliveryPlanner;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.reproduce.ContentHash;
import dev.simpletuner.cloud.server.store.ConfigStore.NamedConfig;
import dev.simpletuner.cloud.server.settings.ProviderSettings;
import dev.simpletuner.cloud.server.snapshot.GitSnapshots;
import dev.simpletuner.cloud.server.s3.DatasetBuckets;
import dev.simpletuner.cloud.server.store.ApprovalStore;
import dev.simpletuner.cloud.server.store.JobUpdate;
import dev.simpletuner.cloud.server.store.SubmitOutcome;
import dev.simpletuner.cloud.spi.HardwareOffer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns a submission into a stored job: resolves the provider and config, checks what can be
 * checked before anything is stored, applies the idempotency key, and wakes the dispatcher.
 */
public final class SubmitHandler {
  private final Vertx vertx;
  private final ServerContext ctx;
  private final JobEvents events;
  private final Dispatcher dispatcher;
  private final SubmitChecks checks;
  private final DeliveryPlanner planner;
  private final TrainerSpecs specs;
  private final DryRun dryRuns;
  private final GitSnapshots snapshots;
  /** How long an approval request stays open before the job is cancelled. */
  static final long APPROVAL_TTL_MS = 24 * 3600 * 1000L;

  public SubmitHandler(Vertx vertx, ServerContext ctx, JobEvents events, Dispatcher dispatcher) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.events = events;
    this.dispatcher = dispatcher;
    this.checks = new SubmitChecks(vertx, ctx);
    this.planner = new DeliveryPlanner(ctx);
    this.specs = new TrainerSpecs(ctx);
    this.dryRuns = new DryRun(ctx, this, checks, planner);
    this.snapshots = new GitSnapshots(vertx, ctx.config().snapshots());
  }

  /** Every check a submission runs, with nothing stored, spent or uploaded. */
  public Future<JobAnswer.DryRan> dryRun(JobCommand.DryRun command) {
    return dryRuns.run(command);
  }

  /**
   * Stores the job and answers; handing it to its provider (or uploading its datasets) happens
   * after, so the answer never waits for a provider.
   */
  public Future<JobAnswer.Submitted> submit(JobCommand.Submit command) {
    String ownerId = command.caller().userId();
    String role = command.caller().role();
    SubmitRequest request = command.request();
    ProviderHandle provider = ProviderLookup.require(ctx, command.provider());
    String hardware = checkHardware(provider, request.hardwareProfile() != null ? request.hardwareProfile()
        : provider.saved().get(ProviderSettings.HARDWARE_PROFILE));
    Future<Optional<SubmitOutcome>> earlier = request.idempotencyKey() == null ? Future.succeededFuture(Optional.empty())
        : ctx.store().jobs().idempotentJob(ownerId, request.idempotencyKey(), request.requestHash(), ctx.now());
    return earlier.compose(found -> {
      // A retry of an accepted request gets its job back, whatever changed since (spend, files).
      if (found.isPresent()) {
        return replyExisting(found.get(), request);
      }
      if (provider.isPaused()) {
        throw new AppException(ErrorCode.PROVIDER_UNAVAILABLE, "Provider " + provider.id() + " keeps failing, so new "
            + "submissions are paused for a short while. Try again in a minute.",
            new JsonObject().put("provider", provider.id()).put("circuit", provider.breakerState()));
      }
      String jobId = UUID.randomUUID().toString();
      String callbackBase = callbackBase(provider, request);
      return resolveConfig(request)
          .compose(resolved -> checks.prepare(provider, resolved.config(), resolved.dataloader(), hardware, ownerId,
                  role, callbackBase)
              .compose(prepared -> planner.plan(jobId, provider, resolved.config(), request.delivery(), callbackBase)
                  .map(planned -> newJob(jobId, ownerId, provider, request, resolved, hardware, prepared, planned,
                      callbackBase))))
          .compose(job -> providerCheck(provider, job))
          .compose(job -> snapshot(job, request, command.caller().username()))
          .compose(job -> ctx.store().jobs().submit(job, request.idempotencyKey(), request.requestHash()))
          .compose(outcome -> outcome.hit() ? replyExisting(outcome, request) : started(outcome.job()));
    });
  }

  /**
   * The provider looks at the job as it would be dispatched (before anything is stored or spent):
   * its warnings join the job's, a refusal is the submitter's error.
   */
  Future<Job> providerCheck(ProviderHandle provider, Job job) {
    return specs.of(provider, job)
        .compose(spec -> provider.check(spec))
        .recover(e -> Future.failedFuture(e instanceof IllegalArgumentException
            ? AppException.invalid("config", provider.displayName() + ": " + e.getMessage()) : e))
        .map(warnings -> {
          warnings.forEach(job.metadata().getJsonArray("warnings")::add);
          return job;
        });
  }

  /**
   * Commits the job's resolved config to the snapshot repository, if one is configured, once every
   * check passed; the job records the commit (or why there is none) and any warning about it.
   */
  private Future<Job> snapshot(Job job, SubmitRequest request, String submitter) {
    if (!snapshots.enabled()) {
      return Future.succeededFuture(job);
    }
    return snapshots.commit(new GitSnapshots.Request(job.jobId(), job.configName(), job.config(),
            job.dataloaderConfig(), request.snapshotName(), request.snapshotMessage(),
            submitter))
        .map(snapshot -> {
          job.metadata().put(GitSnapshots.METADATA_KEY, snapshot);
          String warning = GitSnapshots.warning(snapshot);
          if (warning != null) {
            job.metadata().getJsonArray("warnings").add(warning);
          }
          return job;
        });
  }

  /** What the submission would upload (the datasets as scanned now) and cost; nothing is stored. */
  public Future<JobAnswer.Previewed> preview(JobCommand.Preview command) {
    ProviderHandle provider = ProviderLookup.require(ctx, command.provider());
    SubmitRequest request = command.request();
    String hardware = request.hardwareProfile() != null ? request.hardwareProfile()
        : provider.saved().get(ProviderSettings.HARDWARE_PROFILE);
    String callbackBase = callbackBase(provider, request);
    return lookUp(request)
        .compose(r -> checks.preview(provider, r.config(), r.dataloader(), hardware)
            .compose(summary -> deliveryPlan(provider, r.config(), request, callbackBase)
                .map(plan -> summary.put("delivery_plan", plan))))
        .map(summary -> new JobAnswer.Previewed(provider.id(), summary));
  }

  /**
   * Where the model would go, planned as submit plans it (targets' plans only read settings), so
   * the dialog can show it before anything is spent; a refusal is shown, not thrown.
   */
  private Future<JsonObject> deliveryPlan(ProviderHandle provider, JsonObject config, SubmitRequest request,
                                          String callbackBase) {
    boolean reachable = callbackBase != null || provider.trainersConnect();
    JsonObject base = new JsonObject().put("runs_here", provider.runsLocally())
        .put("public_url_set", callbackBase != null).put("reports_home", provider.runsLocally() || reachable);
    return Future.succeededFuture().compose(v -> planner.plan("preview", provider, config, request.delivery(),
            callbackBase))
        .map(planned -> base.put("targets", planned.status()).put("warnings", new JsonArray(planned.warnings())))
        .recover(e -> Future.succeededFuture(base.put("targets", new JsonArray()).put("warnings", new JsonArray())
            .put("problem", e.getMessage())));
  }

  private Future<JobAnswer.Submitted> replyExisting(SubmitOutcome outcome, SubmitRequest request) {
    if (outcome.conflict()) {
      return Future.failedFuture(new AppException(ErrorCode.IDEMPOTENCY_CONFLICT, "The idempotency key '"
          + request.idempotencyKey() + "' was already used for a different request in the last 24 hours. "
          + "Use a new key for a new request.", new JsonObject().put("field", "idempotency_key")));
    }
    return Future.succeededFuture(reply(outcome.job(), true));
  }

  private Future<JobAnswer.Submitted> started(Job job) {
    return events.timeline(job.jobId(), "submitted", new JsonObject().put("provider", job.provider())
            .put("config_name", job.configName()).put("estimated_cost_usd", job.estimatedCostUsd()))
        .compose(v -> {
          events.publish(job);
          return job.status() == JobStatus.PENDING_APPROVAL ? requestApproval(job) : Future.succeededFuture();
        })
        .compose(v -> ctx.store().jobs().get(job.jobId()))
        .map(current -> {
          if (job.status() == JobStatus.UPLOADING) {
            vertx.eventBus().send(Addresses.UPLOAD_START, new JsonObject().put("job_id", job.jobId()));
          } else if (job.status() == JobStatus.QUEUED) {
            dispatcher.dispatch(job.provider()); // logs its own failures; the next tick tries again
          }
          return reply(current.orElse(job), false);
        });
  }

  /** Files the approval request of a job that waits for one; the job fails if it cannot be filed. */
  private Future<Void> requestApproval(Job job) {
    JsonObject approval = job.metadata().getJsonObject("approval");
    List<String> ruleIds = approval.getJsonArray("rule_ids").stream().map(String::valueOf).toList();
    long now = ctx.now();
    ApprovalStore.Request request = new ApprovalStore.Request(approval.getString("request_id"), job.jobId(), ruleIds,
        approval.getString("reason"), "pending", job.ownerId(), null, null, null, now, now + APPROVAL_TTL_MS, 0);
    return ctx.store().approvals().addRequest(request)
        .compose(v -> events.timeline(job.jobId(), "approval", new JsonObject().put("decision", "requested")
            .put("reason", request.reason())))
        .recover(e -> events.transition(job.jobId(), JobStatus.FAILED, JobUpdate.create().completedAt(now)
            .errorMessage("The approval request could not be filed: " + e.getMessage()), null).mapEmpty());
  }

  private JobAnswer.Submitted reply(Job job, boolean hit) {
    List<String> warnings = job.metadata().getJsonArray("warnings", new JsonArray()).stream()
        .map(String::valueOf).toList();
    return new JobAnswer.Submitted(job.jobId(), job.status(), hit, warnings, job.errorMessage(),
        JobView.render(job, null, false, ctx.now()));
  }

  /** The config to run: the named config, with the inline parts of the request laid over it. */
  private Future<Resolved> resolveConfig(SubmitRequest request) {
    return lookUp(request).map(r -> {
      List<String> warnings = new ArrayList<>();
      return new Resolved(TrainerArguments.complete(r.config(), warnings), r.dataloader(), r.configName(), warnings,
          r.configVersion());
    });
  }

  Future<Resolved> lookUp(SubmitRequest request) {
    if (request.configNameToLoad() == null) {
      JsonObject config = request.config() == null ? new JsonObject() : request.config();
      return Future.succeededFuture(new Resolved(config, request.dataloaderConfig() == null
          ? new JsonArray() : request.dataloaderConfig(), request.configName(), List.of(), null));
    }
    return ctx.store().configs().get(request.configNameToLoad()).map(found -> {
      NamedConfig named = found.orElseThrow(() -> new AppException(ErrorCode.CONFIG_NOT_FOUND, "No saved config named '"
          + request.configNameToLoad() + "'. Create it with POST /api/configs or in the Model tab.",
          new JsonObject().put("field", "config_name_to_load")));
      JsonObject config = named.config().copy();
      if (request.config() != null) {
        config.mergeIn(request.config());
      }
      JsonArray dataloader = request.dataloaderConfig() != null ? request.dataloaderConfig()
          : named.dataloaderConfig();
      SubmitRequest.checkConfig(config);
      SubmitRequest.checkDatasets(dataloader);
      return new Resolved(config, dataloader, request.configName() != null ? request.configName() : named.name(),
          List.of(), named.version());
    });
  }

  /** @param configVersion the named config's version the job starts from, or null for an inline config */
  record Resolved(JsonObject config, JsonArray dataloader, String configName, List<String> warnings,
                          Integer configVersion) {
  }

  static String checkHardware(ProviderHandle provider, String requested) {
    List<HardwareOffer> offers = provider.hardware();
    if (requested == null || offers.isEmpty()) {
      return requested;
    }
    for (HardwareOffer offer : offers) {
      if (offer.id().equalsIgnoreCase(requested)) {
        return offer.id();
      }
    }
    throw new AppException(ErrorCode.INVALID_INPUT, "Unknown hardware profile '" + requested + "' for provider "
        + provider.id() + ". Choose one of: " + String.join(", ", offers.stream().map(HardwareOffer::id).toList())
        + ".", new JsonObject().put("field", "hardware_profile"));
  }

  Job newJob(String jobId, String ownerId, ProviderHandle provider, SubmitRequest request, Resolved resolved,
                     String hardware, SubmitChecks.Prepared prepared, DeliveryPlanner.Planned planned,
                     String callbackBase) {
    long now = ctx.now();
    List<String> warnings = new ArrayList<>(resolved.warnings());
    warnings.addAll(prepared.warnings());
    warnings.addAll(planned.warnings());
    JsonObject metadata = new JsonObject().put("warnings", new JsonArray(warnings))
        .put("delivery", planned.metadata());
    if (prepared.uploadSummary() != null) {
      metadata.put("upload_summary", prepared.uploadSummary());
    }
    if (prepared.estimate() != null) {
      metadata.put("estimate", prepared.estimate());
    }
    if (provider.readsDatasetsOverS3() && prepared.uploadSummary() != null) {
      metadata.put(DatasetBuckets.METADATA_KEY, DatasetBuckets.plan(jobId, resolved.dataloader()));
    }
    JobStatus next = prepared.uploads() ? JobStatus.UPLOADING : JobStatus.QUEUED;
    JobStatus status = next;
    if (!prepared.approvalReasons().isEmpty()) {
      status = JobStatus.PENDING_APPROVAL;
      metadata.put("after_approval", next.wireName()).put("approval", new JsonObject()
          .put("request_id", "apr_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16))
          .put("rule_ids", new JsonArray(prepared.approvalRules()))
          .put("reason", "Needs approval: " + String.join("; ", prepared.approvalReasons()) + "."));
      metadata.getJsonArray("warnings").add("This job waits for approval by a lead or admin: "
          + String.join("; ", prepared.approvalReasons()) + ".");
    }
    if (request.webhookUrl() != null) {
      metadata.put("webhook_url", request.webhookUrl());
    }
    // What the worker fleet matches (fleet.WorkerRequirements reads them).
    if (request.workerLabels() != null) {
      metadata.put("worker_labels", request.workerLabels());
    }
    if (request.gpuCount() != null) {
      metadata.put("gpu_count", request.gpuCount());
    }
    if (callbackBase != null) {
      metadata.put("callback_base", callbackBase);
    }
    if (request.idempotencyKey() != null) {
      metadata.put("idempotency_key", request.idempotencyKey());
    }
    // What exactly ran: the saved version it started from and the hash of what it was given.
    if (resolved.configVersion() != null) {
      metadata.put("config_version", resolved.configVersion());
    }
    metadata.put("config_hash", ContentHash.of(resolved.config(), resolved.dataloader()));
    if (request.origin() != null) {
      metadata.mergeIn(request.origin());
    }
    return Job.submitted(jobId, ownerId,
        provider.runsLocally() ? JobType.LOCAL : JobType.CLOUD, provider.id(), status,
        resolved.configName(), request.trackerRunName(), hardware, null, rate(provider, hardware),
        prepared.estimatedCost(), now, resolved.config(), resolved.dataloader(), metadata, planned.status(),
        ctx.hostId());
  }

  /** Where a cloud trainer reaches this server: the submission's webhook URL, else the public URL; null for local jobs. */
  String callbackBase(ProviderHandle provider, SubmitRequest request) {
    if (request.webhookUrl() != null) {
      return CallbackTargets.baseOf(request.webhookUrl());
    }
    if (provider.runsLocally()) {
      return null;
    }
    String configured = ctx.config().publicUrl();
    return CallbackTargets.baseOf(configured != null ? configured : provider.saved().get(ProviderSettings.WEBHOOK_URL));
  }

  private static double rate(ProviderHandle provider, String hardware) {
    return ProviderSettings.rate(provider, provider.saved(), hardware);
  }
}

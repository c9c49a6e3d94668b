package dev.simpletuner.cloud.server.submit;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.cost.CostLimit;
import dev.simpletuner.cloud.server.delivery.DeliveryPlanner;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobAnswer;
import dev.simpletuner.cloud.server.job.JobCommand;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.job.ProviderLookup;
import dev.simpletuner.cloud.server.reproduce.ContentHash;
import dev.simpletuner.cloud.server.settings.ProviderSettings;
import dev.simpletuner.cloud.server.store.SubmitOutcome;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A submission's dry run: the checks of {@link SubmitHandler#submit} in the same order (provider,
 * hardware, config against the trainer's required arguments, datasets, quotas, cost against the
 * limit, approvals, delivery plan, the provider's own look at the job), each failure collected
 * instead of ending the run. Only reads: no job, key, upload, spend or provider call is made.
 */
final class DryRun {
  /** The job id the plans of a dry run name; never stored. */
  static final String JOB_ID = "dry-run";

  private final ServerContext ctx;
  private final SubmitHandler handler;
  private final SubmitChecks checks;
  private final DeliveryPlanner planner;

  DryRun(ServerContext ctx, SubmitHandler handler, SubmitChecks checks, DeliveryPlanner planner) {
    this.ctx = ctx;
    this.handler = handler;
    this.checks = checks;
    this.planner = planner;
  }

  /** What one run found; filled stage by stage. */
  private static final class Report {
    final JsonArray errors = new JsonArray();
    final Set<String> warnings = new LinkedHashSet<>();
    final JsonObject body = new JsonObject();

    void error(Throwable e) {
      if (e instanceof AppException app) {
        errors.add(new JsonObject().put("code", app.code().wireName()).put("error", app.getMessage())
            .put("details", app.details()));
      } else {
        errors.add(new JsonObject().put("code", ErrorCode.INTERNAL_ERROR.wireName()).put("error",
            String.valueOf(e.getMessage())));
      }
    }

    /** The stage's result, or null (its failure noted) so later stages that need it are left out. */
    <T> Future<T> stage(Future<T> work) {
      return work.recover(e -> {
        error(e);
        return Future.succeededFuture(null);
      });
    }
  }

  Future<JobAnswer.DryRan> run(JobCommand.DryRun command) {
    SubmitRequest request = command.request();
    String ownerId = command.caller().userId();
    ProviderHandle provider = ProviderLookup.require(ctx, command.provider());
    Report report = new Report();
    report.body.put("provider", provider.id());
    if (provider.isPaused()) {
      report.error(new AppException(ErrorCode.PROVIDER_UNAVAILABLE, "Provider " + provider.id() + " keeps failing, "
          + "so new submissions are paused for a short while."));
    }
    String asked = request.hardwareProfile() != null ? request.hardwareProfile()
        : provider.saved().get(ProviderSettings.HARDWARE_PROFILE);
    String hardware = asked;
    try {
      hardware = SubmitHandler.checkHardware(provider, asked);
    } catch (AppException e) {
      report.error(e);
    }
    report.body.put("hardware_profile", hardware);
    String hw = hardware;
    Future<Optional<SubmitOutcome>> earlier = request.idempotencyKey() == null
        ? Future.succeededFuture(Optional.empty())
        : ctx.store().jobs().idempotentJob(ownerId, request.idempotencyKey(), request.requestHash(), ctx.now());
    return earlier.compose(found -> {
      found.ifPresent(outcome -> {
        if (outcome.conflict()) {
          report.error(AppException.invalid("idempotency_key", "The idempotency key '" + request.idempotencyKey()
              + "' was already used for a different request in the last 24 hours."));
        } else {
          report.body.put("idempotent_hit", true).put("existing_job_id", outcome.job().jobId());
          report.warnings.add("A submission with this idempotency key made job " + outcome.job().jobId()
              + ": submitting would return it instead of making a new one.");
        }
      });
      return report.stage(handler.lookUp(request));
    }).compose(looked -> looked == null ? Future.succeededFuture(report)
        : checked(command, provider, hw, looked, report)).map(r -> new JobAnswer.DryRan(answer(r)));
  }

  /** The stages that need the resolved config. */
  private Future<Report> checked(JobCommand.DryRun command, ProviderHandle provider, String hardware,
                                 SubmitHandler.Resolved looked, Report report) {
    SubmitRequest request = command.request();
    List<String> warnings = new ArrayList<>();
    JsonObject config = looked.config();
    try {
      config = TrainerArguments.complete(looked.config(), warnings);
    } catch (AppException e) {
      report.error(e);
    }
    report.warnings.addAll(warnings);
    SubmitHandler.Resolved resolved = new SubmitHandler.Resolved(config, looked.dataloader(), looked.configName(),
        warnings, looked.configVersion());
    report.body.put("config_name", resolved.configName()).put("config_version", resolved.configVersion())
        .put("config_hash", ContentHash.of(config, resolved.dataloader()));
    String callbackBase = handler.callbackBase(provider, request);
    boolean limited = Boolean.parseBoolean(provider.saved().get(ProviderSettings.COST_LIMIT_ENABLED));
    JsonObject effective = config;
    return report.stage(checks.preview(provider, effective, resolved.dataloader(), hardware))
        .compose(summary -> {
          report.body.put("upload_summary", summary);
          return report.stage(limited ? CostLimit.status(ctx, provider)
              : Future.succeededFuture(new JsonObject().put("enabled", false)));
        })
        .compose(limit -> {
          report.body.put("cost_limit", limit);
          return report.stage(checks.prepare(provider, effective, resolved.dataloader(), hardware,
              command.caller().userId(), command.caller().role(), callbackBase));
        })
        .compose(prepared -> report.stage(planner.plan(JOB_ID, provider, effective, request.delivery(), callbackBase))
            .compose(planned -> {
              if (planned != null) {
                report.body.put("delivery", planned.metadata()).put("delivery_targets", planned.status());
              }
              if (prepared == null || planned == null) {
                return Future.succeededFuture(report);
              }
              Job job = handler.newJob(JOB_ID, command.caller().userId(), provider, request, resolved, hardware,
                  prepared, planned, callbackBase);
              report.body.put("would_be_status", job.status().wireName()).put("estimate", prepared.estimate())
                  .put("estimated_cost_usd", prepared.estimatedCost())
                  .put("approval_needed", !prepared.approvalReasons().isEmpty())
                  .put("approval", prepared.approvalReasons().isEmpty() ? null : new JsonObject()
                      .put("reasons", new JsonArray(prepared.approvalReasons()))
                      .put("rule_ids", new JsonArray(prepared.approvalRules())));
              return report.stage(handler.providerCheck(provider, job)).map(checkedJob -> {
                job.metadata().getJsonArray("warnings").forEach(w -> report.warnings.add(String.valueOf(w)));
                return report;
              });
            }));
  }

  private static JsonObject answer(Report report) {
    JsonObject body = report.body;
    body.put("approval_needed", body.getBoolean("approval_needed", false));
    if (body.getValue("estimated_cost_usd") == null && body.getJsonObject("upload_summary") != null) {
      JsonObject estimate = body.getJsonObject("upload_summary").getJsonObject("estimate");
      body.put("estimate", estimate).put("estimated_cost_usd", estimate == null ? null
          : estimate.getDouble("estimated_cost_usd"));
    }
    return body.put("success", true).put("dry_run", true).put("would_submit", report.errors.isEmpty())
        .put("errors", report.errors).put("warnings", new JsonArray(new ArrayList<>(report.warnings)));
  }
}

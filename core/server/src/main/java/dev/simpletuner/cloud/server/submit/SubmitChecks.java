package dev.simpletuner.cloud.server.submit;

import dev.simpletuner.cloud.server.approval.ApprovalRules;
import dev.simpletuner.cloud.server.cost.CostEstimator;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobAnswer;
import dev.simpletuner.cloud.server.job.JobView;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.cost.CostLimit;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.settings.ProviderSettings;
import dev.simpletuner.cloud.server.upload.DatasetScanner;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What is checked before a job is stored: the datasets that would be uploaded (refused with every
 * reason before anything leaves the machine), the cost estimate and the cost limit, and the
 * warnings the submitter should read.
 */
final class SubmitChecks {
  /**
   * The outcome of the checks, carried into the new job; {@code approvalReasons} empty when none is
   * needed; {@code uploads} when local datasets are packaged and uploaded (else they are read in
   * place, or served to the trainer by this server, or there are none).
   */
  record Prepared(List<String> warnings, JsonObject uploadSummary, boolean uploads, JsonObject estimate,
                  Double estimatedCost, List<String> approvalReasons, List<String> approvalRules) {
  }

  private final Vertx vertx;
  private final ServerContext ctx;

  SubmitChecks(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
  }

  /** @param callbackBase where a cloud trainer reaches this server, or null */
  Future<Prepared> prepare(ProviderHandle provider, JsonObject config, JsonArray dataloader, String hardware,
                           String ownerId, String role, String callbackBase) {
    return quota(ownerId).compose(v -> basics(provider, config, dataloader, hardware, callbackBase))
        .compose(p -> userCostQuota(ownerId, p.estimatedCost() == null ? 0 : p.estimatedCost()).map(p))
        .compose(p -> ctx.store().approvals().rules(true).map(rules -> {
          double cost = p.estimatedCost() == null ? 0 : p.estimatedCost();
          List<ApprovalRules.Match> matches = ApprovalRules.matches(rules, new ApprovalRules.Submission(cost, hardware,
              provider.id(), role));
          return new Prepared(p.warnings(), p.uploadSummary(), p.uploads(), p.estimate(), p.estimatedCost(),
              matches.stream().map(ApprovalRules.Match::reason).toList(),
              matches.stream().map(ApprovalRules.Match::ruleId).toList());
        }));
  }

  /**
   * The upload summary of a submission (its datasets as scanned now, what would be uploaded) with
   * the cost estimate for cloud providers; checks nothing about the caller and stores nothing.
   */
  Future<JsonObject> preview(ProviderHandle provider, JsonObject config, JsonArray dataloader, String hardware) {
    SubmitRequest.checkDatasets(dataloader);
    boolean local = provider.runsLocally();
    boolean served = provider.readsDatasetsOverS3();
    long limit = served ? 0 : provider.maxUploadBytes();
    Future<JsonObject> estimate = local ? Future.succeededFuture(null)
        : CostEstimator.estimate(ctx, provider, hardware, config);
    return vertx.executeBlocking(() -> DatasetScanner.scan(dataloader, limit).summary(), false)
        .map(summary -> local ? summary.put("requires_upload", false).put("note",
            "Jobs on this machine read the datasets in place; nothing is uploaded.")
            : served && summary.getLong("total_files", 0L) > 0 ? summary.put("requires_upload", false)
            .put("served", true).put("note", DatasetScanner.SERVED_NOTE) : summary)
        .compose(summary -> estimate.map(e -> summary.put("estimate", e)));
  }

  /** A user's cap on jobs running at once. */
  private Future<Void> quota(String ownerId) {
    return ctx.store().users().byId(ownerId).compose(user -> {
      Integer max = user.map(u -> u.maxConcurrentJobs()).orElse(null);
      if (max == null) {
        return Future.succeededFuture();
      }
      return ctx.store().jobs().countActive(ownerId).map(active -> {
        if (active >= max) {
          throw new AppException(ErrorCode.QUOTA_EXCEEDED, "Quota exceeded: you have " + active + " active job(s) and "
              + "may run at most " + max + " at once.", new JsonObject().put("active_jobs", active)
              .put("max_concurrent_jobs", max));
        }
        return null;
      });
    });
  }

  /** A user's own spending cap over a rolling period, counting this job's estimate. */
  private Future<Void> userCostQuota(String ownerId, double estimate) {
    return ctx.store().users().byId(ownerId).compose(user -> {
      if (user.isEmpty() || user.get().costLimitAmount() == null) {
        return Future.succeededFuture();
      }
      double cap = user.get().costLimitAmount();
      String period = user.get().costLimitPeriod() == null ? "monthly" : user.get().costLimitPeriod();
      long since = ctx.now() - CostLimit.windowMillis(period);
      return ctx.store().jobs().ownedSince(ownerId, since).map(jobs -> {
        double spent = 0;
        for (Job j : jobs) {
          Double c = JobView.liveCost(j, ctx.now());
          spent += c == null ? 0 : c;
        }
        if (spent + estimate > cap) {
          throw new AppException(ErrorCode.QUOTA_EXCEEDED, String.format(Locale.ROOT, "Quota exceeded: you spent $%.2f "
              + "and this job is estimated at $%.2f, over your $%.2f %s quota.", spent, estimate, cap, period),
              new JsonObject().put("current_spend", spent).put("estimated_cost_usd", estimate).put("limit", cap)
                  .put("period", period));
        }
        return null;
      });
    });
  }

  private Future<Prepared> basics(ProviderHandle provider, JsonObject config, JsonArray dataloader, String hardware,
                                  String callbackBase) {
    if (provider.runsLocally()) {
      return missingDirectories(dataloader).map(warnings -> new Prepared(warnings, null, false, null, 0.0, List.of(),
          List.of()));
    }
    boolean local = dataloader.stream().anyMatch(d -> d instanceof JsonObject o && DatasetScanner.isLocal(o));
    boolean served = local && provider.readsDatasetsOverS3();
    if (served && callbackBase == null && !provider.trainersConnect()) {
      throw AppException.invalid("dataloader_config", provider.displayName() + "'s trainer reads local datasets from "
          + "this server's storage endpoint, which it can reach only through a public URL: set SIMPLETUNER_PUBLIC_URL "
          + "(or Settings → Webhook URL, or the submission's webhook_url), or use a remote dataset (type aws or "
          + "huggingface).");
    }
    if (local && !served && provider.maxUploadBytes() <= 0) {
      throw AppException.invalid("dataloader_config", provider.displayName() + " takes no local datasets (neither "
          + "uploaded nor served to its trainer): use a remote dataset (type aws or huggingface).");
    }
    long uploadLimit = served ? 0 : provider.maxUploadBytes();
    Future<JsonObject> scan = local
        ? vertx.executeBlocking(() -> DatasetScanner.scan(dataloader, uploadLimit), false).map(this::refuseBadDatasets)
        : Future.succeededFuture(null);
    boolean limited = Boolean.parseBoolean(provider.saved().get(ProviderSettings.COST_LIMIT_ENABLED));
    return scan.compose(summary -> CostEstimator.estimate(ctx, provider, hardware, config)
        .compose(estimate -> (limited ? CostLimit.status(ctx, provider)
            : Future.succeededFuture(new JsonObject().put("enabled", false))).map(limit -> {
          List<String> warnings = new ArrayList<>();
          if (summary != null) {
            summary.getJsonArray("warnings").forEach(w -> warnings.add(String.valueOf(w)));
          }
          Double cost = estimate.getDouble("estimated_cost_usd");
          checkLimit(limit, cost == null ? 0 : cost, warnings);
          if (!provider.trainersConnect() && ctx.config().publicUrl() == null
              && provider.saved().get(ProviderSettings.WEBHOOK_URL) == null) {
            warnings.add("No public URL is set, so status and progress come from polling " + provider.displayName()
                + " (every 15 s or so) instead of its webhooks. Set SIMPLETUNER_PUBLIC_URL or Settings → Webhook "
                + "URL.");
          }
          if (served) {
            summary.put("requires_upload", false).put("served", true).put("note", DatasetScanner.SERVED_NOTE);
          }
          return new Prepared(warnings, summary, local && !served, estimate, cost, List.of(), List.of());
        })));
  }

  private JsonObject refuseBadDatasets(DatasetScanner.Scan scan) {
    if (!scan.ok()) {
      JsonArray errors = scan.summary().getJsonArray("errors");
      throw new AppException(ErrorCode.INVALID_INPUT, "The datasets cannot be uploaded: " + String.join(" ",
          errors.stream().map(String::valueOf).toList()), new JsonObject().put("field", "dataloader_config")
          .put("errors", errors).put("upload_summary", scan.summary()));
    }
    return scan.summary();
  }

  /** Counts spend so far plus this job's estimate; refuses or warns as the limit says. */
  private static void checkLimit(JsonObject limit, double estimate, List<String> warnings) {
    if (!limit.getBoolean("enabled") || limit.getDouble("limit_amount") == null) {
      return;
    }
    double cap = limit.getDouble("limit_amount");
    double spent = limit.getDouble("current_spend");
    double projected = spent + estimate;
    String period = limit.getString("period");
    String figures = String.format(Locale.ROOT, "$%.2f spent + $%.2f estimated for this job, against the $%.2f %s "
        + "limit", spent, estimate, cap, period);
    if (projected >= cap) {
      if ("block".equals(limit.getString("action"))) {
        throw new AppException(ErrorCode.COST_LIMIT_EXCEEDED, "Cost limit exceeded: " + figures + ".",
            new JsonObject().put("current_spend", spent).put("estimated_cost_usd", estimate).put("limit_amount", cap)
                .put("period", period));
      }
      warnings.add(JobAnswer.COST_LIMIT_EXCEEDED + figures + ".");
    } else if (projected >= 0.8 * cap) {
      warnings.add(JobAnswer.COST_LIMIT_APPROACHING + figures + ".");
    }
  }

  private Future<List<String>> missingDirectories(JsonArray dataloader) {
    List<String[]> dirs = new ArrayList<>();
    for (Object entry : dataloader) {
      if (entry instanceof JsonObject dataset && dataset.getValue("instance_data_dir") instanceof String dir) {
        dirs.add(new String[] {dataset.getString("id"), dir});
      }
    }
    if (dirs.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return vertx.executeBlocking(() -> {
      List<String> out = new ArrayList<>();
      for (String[] d : dirs) {
        if (!Files.isDirectory(Path.of(d[1]))) {
          out.add("Dataset '" + d[0] + "': directory " + d[1] + " does not exist on this machine.");
        }
      }
      return out;
    }, false);
  }
}

package dev.simpletuner.cloud.server.submit;

import dev.simpletuner.cloud.server.callback.CallbackTargets;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.delivery.DeliveryPlanner;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.s3.DatasetBuckets;
import dev.simpletuner.cloud.server.s3.StorageHandler;
import dev.simpletuner.cloud.spi.JobSpec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What a provider gets for a job, built the same way when the job is submitted (for the provider
 * to check) and when it is dispatched: the config with the delivery targets' changes and the run
 * name, the dataloader (local datasets rewritten to this server's S3 endpoint for providers whose
 * trainer reads them from there), and where the trainer reaches this server.
 */
public final class TrainerSpecs {
  private final ServerContext ctx;
  private final DeliveryPlanner planner;

  public TrainerSpecs(ServerContext ctx) {
    this.ctx = ctx;
    this.planner = new DeliveryPlanner(ctx);
  }

  /** Where the job's trainer reaches this server: our own address for local jobs, else the public URL. */
  String base(ProviderHandle handle, JsonObject metadata) {
    return handle.runsLocally() ? ctx.localBaseUrl() : CallbackTargets.baseOf(metadata.getString("callback_base"));
  }

  public Future<JobSpec> of(ProviderHandle handle, Job job) {
    return of(handle, job, base(handle, job.metadata()));
  }

  /** @param base where the job's trainer reaches this server (for a worker: the address its agent connected to) */
  public Future<JobSpec> of(ProviderHandle handle, Job job, String base) {
    return planner.trainerSide(job.jobId(), handle, job.config(), job.metadata().getJsonObject("delivery"), base)
        .map(trainer -> new JobSpec(job.jobId(), withRunName(trainer.config(), job.trackerRunName()),
            dataloader(job, base), job.hardwareProfile(), job.trackerRunName(),
            CallbackTargets.webhookConfig(ctx, job.jobId(), base), job.metadata().getString("data_archive_url"),
            handle.runsLocally() || handle.trainersConnect() || base == null ? null
                : base + "/api/webhooks/" + handle.id(), trainer.secrets()));
  }

  /** The trainer's trackers name the run as the submission did, unless the config says otherwise. */
  private static JsonObject withRunName(JsonObject config, String runName) {
    if (runName == null || config.getValue("--tracker_run_name") instanceof String s && !s.isBlank()) {
      return config;
    }
    return config.copy().put("--tracker_run_name", runName);
  }

  private JsonArray dataloader(Job job, String base) {
    JsonArray served = job.metadata().getJsonArray(DatasetBuckets.METADATA_KEY);
    if (served == null || served.isEmpty() || base == null) {
      return job.dataloaderConfig();
    }
    return DatasetBuckets.rewrite(job.dataloaderConfig(), served, base + StorageHandler.PATH,
        JobTokens.datasetAccessKey(job.jobId()), ctx.tokens().datasetSecret(job.jobId()));
  }
}

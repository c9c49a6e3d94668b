package dev.simpletuner.cloud.server.fleet;

import dev.simpletuner.cloud.server.s3.StorageHandler;
import dev.simpletuner.cloud.spi.ConfigEntries;
import dev.simpletuner.cloud.spi.JobSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The {@code job_submit} event a worker's agent starts a job from (worker_agent.py:270-352): it
 * writes {@code config} to {@code /tmp/simpletuner_job_<job_id>/config.json}, points
 * {@code CONFIG_PATH} at it and runs {@code python -m simpletuner.train}.
 *
 * <p>The event says {@code "provider": "kubeflow"} because only on that path does the agent write
 * the dataloader as JSON and point the trainer at it ({@code data_backend_config}), and set
 * {@code SIMPLETUNER_PUBLISH_FINAL_ARTIFACTS=true} so the final model is published; on its other
 * path it writes YAML, which SimpleTuner's data backend factory cannot read (it {@code json.load}s
 * the file), and sets nothing. It also watches the trainer without blocking its own event loop there
 * (an asyncio subprocess), so heartbeats and a cancel keep arriving while the trainer prints.
 *
 * <p>The trainer has no progress channel through the agent, so the config carries this server's
 * callback ({@code --webhook_config}) and, when outputs come home, its storage endpoint
 * ({@code --publishing_config}, already in the spec). The agent sets {@code SIMPLETUNER_UPLOAD_*}
 * from {@code upload_endpoint}/{@code upload_token}, which the trainer does not read.
 */
final class JobSubmitEvent {
  /** The agent's job folder (worker_agent.py:286); the default output folder lives in it. */
  static final String JOB_DIR = "/tmp/simpletuner_job_";
  private static final String WEBHOOKS = "--webhook_config";
  private static final String OUTPUT_DIR = "--output_dir";

  private JobSubmitEvent() {
  }

  static JsonObject of(JobSpec spec, String configName, String uploadToken) {
    JsonObject config = spec.config().copy();
    // The agent points the trainer at the dataloader it writes; a path from elsewhere would win over it.
    config.remove("--data_backend_config");
    config.remove("data_backend_config");
    if (!(config.getValue(OUTPUT_DIR) instanceof String dir) || dir.isBlank()) {
      config.put(OUTPUT_DIR, JOB_DIR + spec.jobId() + "/output");
    }
    if (spec.webhookConfig() != null) {
      JsonArray hooks = ConfigEntries.of(WEBHOOKS, config.getValue(WEBHOOKS));
      spec.webhookConfig().forEach(hooks::add);
      config.put(WEBHOOKS, hooks.encode());
    }
    JsonObject event = new JsonObject()
        .put("type", "job_submit")
        .put("job_id", spec.jobId())
        .put("provider", "kubeflow")
        .put("config_name", configName)
        .put("tracker_run_name", spec.runName())
        .put("config", config)
        .put("dataloader", spec.dataloaderConfig() == null ? new JsonArray() : spec.dataloaderConfig())
        .put("upload_endpoint", StorageHandler.PATH)
        .put("upload_token", uploadToken);
    String hfToken = spec.secrets().get("hf_token");
    if (hfToken != null) {
      event.put("hf_token", hfToken);
    }
    return event;
  }
}

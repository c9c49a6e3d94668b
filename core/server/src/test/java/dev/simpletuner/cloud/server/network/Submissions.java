package dev.simpletuner.cloud.server.network;

import dev.simpletuner.cloud.server.support.Api;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/** A small Replicate job, submitted and followed to where the network tests look at it. */
final class Submissions {
  private Submissions() {
  }

  /** Submits a job without datasets; returns its id once the submission was accepted (queued). */
  static String submit(Api api) {
    JsonObject body = new JsonObject().put("config", new JsonObject().put("--model_family", "flux")
        .put("--model_type", "lora").put("--max_train_steps", 10).put("--output_dir", "/outputs/net"))
        .put("dataloader_config", new JsonArray());
    Api.Response submitted = api.post("/api/cloud/jobs/submit?provider=replicate", body);
    if (submitted.status() != 200) {
      throw new AssertionError("submission refused: " + submitted.body());
    }
    return submitted.json().getString("job_id");
  }

  /** The job once Replicate took it (it has an external id) or it failed. */
  static JsonObject settled(Api api, String jobId) {
    return api.waitFor(jobId, j -> j.getString("external_id") != null || j.getBoolean("is_terminal"),
        Duration.ofSeconds(60));
  }
}

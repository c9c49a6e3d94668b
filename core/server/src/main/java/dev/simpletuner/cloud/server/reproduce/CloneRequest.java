package dev.simpletuner.cloud.server.reproduce;

import dev.simpletuner.cloud.server.job.Job;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A job run again with changes ({@code POST /api/cloud/jobs/{id}/clone}): the parent's resolved
 * config and dataloader with the overrides laid over them, as a submission body, and what differs.
 *
 * @param provider where the clone goes
 * @param submission the body of the submission that makes it
 * @param origin what the clone's job records: its parent and the difference
 */
public record CloneRequest(String provider, JsonObject submission, JsonObject origin) {

  /**
   * @param overrides {@code config} (a key set to null is removed), {@code dataloader} (entries
   *                  replacing the parent's of the same id, or added), {@code remove_datasets} (ids),
   *                  {@code provider}, {@code hardware}, {@code tracker_run_name}, {@code idempotency_key},
   *                  {@code snapshot_name}, {@code snapshot_message}
   */
  public static CloneRequest of(Job parent, JsonObject overrides) {
    JsonObject config = Overrides.config(parent.config(), overrides);
    JsonArray dataloader = Overrides.dataloader(parent.dataloaderConfig(), overrides);
    String provider = text(overrides, "provider", parent.provider());
    String hardware = text(overrides, "hardware", Objects.equals(provider, parent.provider())
        ? parent.hardwareProfile() : null);
    JsonObject submission = new JsonObject().put("config", config).put("dataloader_config", dataloader);
    putIfSet(submission, "config_name", parent.configName());
    putIfSet(submission, "hardware_profile", hardware);
    putIfSet(submission, "tracker_run_name", text(overrides, "tracker_run_name", null));
    putIfSet(submission, "idempotency_key", text(overrides, "idempotency_key", null));
    putIfSet(submission, "snapshot_name", text(overrides, "snapshot_name", null));
    putIfSet(submission, "snapshot_message", text(overrides, "snapshot_message", null));
    JsonObject meta = parent.metadata();
    putIfSet(submission, "webhook_url", meta.getString("webhook_url"));
    if (provider.equals(parent.provider())) {
      // What the worker fleet matched the parent by.
      putIfSet(submission, "worker_labels", meta.getJsonObject("worker_labels"));
      putIfSet(submission, "gpu_count", meta.getValue("gpu_count"));
    }
    JsonObject difference = ConfigDiff.between(parent.config(), parent.dataloaderConfig(), config, dataloader);
    if (!provider.equals(parent.provider())) {
      difference.put("provider", new JsonObject().put("old", parent.provider()).put("new", provider));
    }
    if (!Objects.equals(hardware, parent.hardwareProfile())) {
      difference.put("hardware_profile", new JsonObject().put("old", parent.hardwareProfile()).put("new", hardware));
    }
    difference.put("identical", difference.getBoolean("identical") && !difference.containsKey("provider")
        && !difference.containsKey("hardware_profile"));
    JsonObject origin = new JsonObject().put("parent_job_id", parent.jobId()).put("clone_changes", difference);
    if (meta.getValue("config_version") != null) {
      origin.put("parent_config_version", meta.getValue("config_version"));
    }
    return new CloneRequest(provider, submission, origin);
  }

  private static String text(JsonObject body, String field, String fallback) {
    String value = body.getString(field);
    return value == null || value.isBlank() ? fallback : value.strip();
  }

  private static void putIfSet(JsonObject body, String field, Object value) {
    if (value != null) {
      body.put(field, value);
    }
  }
}

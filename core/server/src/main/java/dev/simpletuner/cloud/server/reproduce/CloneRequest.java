package dev.simpletuner.cloud.server.reproduce;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.job.Job;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

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
   *                  {@code provider}, {@code hardware}, {@code tracker_run_name}, {@code idempotency_key}
   */
  public static CloneRequest of(Job parent, JsonObject overrides) {
    JsonObject config = parent.config().copy();
    JsonObject changes = overrides.getJsonObject("config", new JsonObject());
    for (String key : changes.fieldNames()) {
      if (changes.getValue(key) == null) {
        config.remove(key);
      } else {
        config.put(key, changes.getValue(key));
      }
    }
    JsonArray dataloader = datasets(parent.dataloaderConfig(), overrides.getJsonArray("dataloader", new JsonArray()),
        overrides.getJsonArray("remove_datasets", new JsonArray()));
    String provider = text(overrides, "provider", parent.provider());
    String hardware = text(overrides, "hardware", Objects.equals(provider, parent.provider())
        ? parent.hardwareProfile() : null);
    JsonObject submission = new JsonObject().put("config", config).put("dataloader_config", dataloader);
    putIfSet(submission, "config_name", parent.configName());
    putIfSet(submission, "hardware_profile", hardware);
    putIfSet(submission, "tracker_run_name", text(overrides, "tracker_run_name", null));
    putIfSet(submission, "idempotency_key", text(overrides, "idempotency_key", null));
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

  private static JsonArray datasets(JsonArray parent, JsonArray replacements, JsonArray removals) {
    Set<String> remove = new HashSet<>();
    removals.forEach(id -> remove.add(String.valueOf(id)));
    JsonArray out = new JsonArray();
    Set<String> replaced = new HashSet<>();
    for (Object entry : parent) {
      String id = entry instanceof JsonObject o ? o.getString("id") : null;
      JsonObject replacement = id == null ? null : byId(replacements, id);
      if (id != null && remove.contains(id)) {
        continue;
      }
      if (replacement != null) {
        replaced.add(id);
        out.add(replacement);
      } else {
        out.add(entry);
      }
    }
    for (Object entry : replacements) {
      if (!(entry instanceof JsonObject o) || !(o.getValue("id") instanceof String id) || id.isBlank()) {
        throw AppException.invalid("dataloader", "Each dataloader override is a dataset object with its \"id\": "
            + "it replaces the parent's dataset of that id, or is added.");
      }
      if (!replaced.contains(id)) {
        out.add(o);
      }
    }
    return out;
  }

  private static JsonObject byId(JsonArray entries, String id) {
    for (Object entry : entries) {
      if (entry instanceof JsonObject o && id.equals(o.getValue("id"))) {
        return o;
      }
    }
    return null;
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

package dev.simpletuner.cloud.server.submit;

import dev.simpletuner.cloud.server.error.AppException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A submission as the API received it ({@code POST /api/cloud/jobs/submit}): its shape (types,
 * lengths) is the OpenAPI contract's to check; this checks what the contract cannot say.
 * {@code origin} is what the server itself adds to the job's metadata (the job a clone comes
 * from, the sweep a job belongs to), never taken from a client's body; null for plain submissions.
 */
public record SubmitRequest(String provider, JsonObject config, JsonArray dataloaderConfig, String configNameToLoad,
                            String configName, String trackerRunName, String idempotencyKey, String hardwareProfile,
                            String webhookUrl, JsonArray delivery, JsonObject workerLabels, Integer gpuCount,
                            JsonObject body, JsonObject origin) {

  /** The same submission, its job recording {@code origin} in its metadata. */
  public SubmitRequest withOrigin(JsonObject origin) {
    return new SubmitRequest(provider, config, dataloaderConfig, configNameToLoad, configName, trackerRunName,
        idempotencyKey, hardwareProfile, webhookUrl, delivery, workerLabels, gpuCount, body, origin.copy());
  }

  public static SubmitRequest parse(String provider, JsonObject body) {
    return parse(provider, body, true);
  }

  /** A submission to preview ({@code upload-summary}): the datasets may come without a config. */
  public static SubmitRequest parsePreview(String provider, JsonObject body) {
    return parse(provider, body, false);
  }

  private static SubmitRequest parse(String provider, JsonObject body, boolean needsConfig) {
    JsonObject config = body.getJsonObject("config");
    JsonArray dataloader = body.getJsonArray("dataloader_config");
    String configNameToLoad = text(body, "config_name_to_load");
    if (needsConfig && config == null && configNameToLoad == null) {
      throw AppException.invalid("config", "No configuration provided: send \"config\" (with \"dataloader_config\") "
          + "or \"config_name_to_load\".");
    }
    String key = text(body, "idempotency_key");
    if (dataloader != null) {
      checkDatasets(dataloader);
    }
    if (config != null) {
      checkConfig(config);
    }
    return new SubmitRequest(provider, config, dataloader, configNameToLoad, text(body, "config_name"),
        text(body, "tracker_run_name"), key, text(body, "hardware_profile"), url(body, "webhook_url"),
        body.getJsonArray("delivery"), workerLabels(provider, body), gpuCount(provider, body), body, null);
  }

  /** {@code snapshot_name}: the subject of the job's git snapshot (the reference's field); null for a made-up one. */
  public String snapshotName() {
    return text(body, "snapshot_name");
  }

  /** {@code snapshot_message}: the body of the job's git snapshot commit, or null. */
  public String snapshotMessage() {
    return text(body, "snapshot_message");
  }

  /** {@code worker_labels}: only for the worker provider, whose fleet matches them. */
  private static JsonObject workerLabels(String provider, JsonObject body) {
    JsonObject labels = body.getJsonObject("worker_labels");
    if (labels == null || labels.isEmpty()) {
      return null;
    }
    workersOnly(provider, "worker_labels");
    for (String key : labels.fieldNames()) {
      if (key.isBlank() || !(labels.getValue(key) instanceof String)) {
        throw AppException.invalid("worker_labels", "worker_labels maps label names to text (glob patterns).");
      }
    }
    return labels.copy();
  }

  private static Integer gpuCount(String provider, JsonObject body) {
    Integer count = body.getInteger("gpu_count");
    if (count != null) {
      workersOnly(provider, "gpu_count");
    }
    return count;
  }

  private static void workersOnly(String provider, String field) {
    if (!"worker".equals(provider)) {
      throw AppException.invalid(field, "\"" + field + "\" applies to jobs for self-hosted workers (provider=worker), "
          + "not to " + provider + ".");
    }
  }

  /** Checks the trainer settings the server itself relies on. */
  public static void checkConfig(JsonObject config) {
    Object steps = config.getValue("--max_train_steps");
    if (steps != null && !(steps instanceof Number n && n.doubleValue() >= 0 && n.doubleValue() == Math.floor(
        n.doubleValue()))) {
      if (!(steps instanceof String s && s.matches("\\d{1,12}"))) {
        throw AppException.invalid("config.--max_train_steps", "--max_train_steps must be a whole number of steps.");
      }
    }
  }

  /** Every dataset needs a unique string id. */
  public static void checkDatasets(JsonArray datasets) {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < datasets.size(); i++) {
      String field = "dataloader_config[" + i + "]";
      if (!(datasets.getValue(i) instanceof JsonObject dataset)) {
        throw AppException.invalid(field, "Each dataloader_config entry must be an object.");
      }
      if (!(dataset.getValue("id") instanceof String id) || id.isBlank()) {
        throw AppException.invalid(field + ".id", "Each dataset needs a non-empty string \"id\".");
      }
      if (!ids.add(id)) {
        throw AppException.invalid(field + ".id", "Dataset id \"" + id + "\" is used twice.");
      }
    }
  }

  /** A stable fingerprint of what was asked: the same body (ignoring key order) gives the same hash. */
  public String requestHash() {
    JsonObject copy = body.copy();
    copy.remove("idempotency_key");
    String canonical = provider + "\n" + canonical(copy) + (origin == null ? "" : "\n" + canonical(origin));
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String canonical(Object value) {
    if (value instanceof JsonObject o) {
      TreeMap<String, String> sorted = new TreeMap<>();
      for (Map.Entry<String, Object> e : o) {
        sorted.put(e.getKey(), canonical(e.getValue()));
      }
      StringBuilder out = new StringBuilder("{");
      sorted.forEach((k, v) -> out.append(new JsonArray().add(k).encode()).append(':').append(v).append(','));
      return out.append('}').toString();
    }
    if (value instanceof JsonArray a) {
      StringBuilder out = new StringBuilder("[");
      for (Object item : a) {
        out.append(canonical(item)).append(',');
      }
      return out.append(']').toString();
    }
    return new JsonArray().add(value).encode();
  }

  /** A string field as the contract let it through (a string within its length), blank as absent. */
  private static String text(JsonObject body, String field) {
    String value = body.getString(field);
    return value == null || value.isBlank() ? null : value.strip();
  }

  private static String url(JsonObject body, String field) {
    String value = text(body, field);
    if (value != null && !value.matches("(?i)https?://[^\\s/?#]+([/?#]\\S*)?")) {
      throw AppException.invalid(field, "\"" + field + "\" must be an http(s) URL with a host.");
    }
    return value;
  }
}

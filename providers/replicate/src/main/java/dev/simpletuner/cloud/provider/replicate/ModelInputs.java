package dev.simpletuner.cloud.provider.replicate;

import dev.simpletuner.cloud.spi.ConfigEntries;
import dev.simpletuner.cloud.spi.JobSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The input of one prediction on SimpleTuner's Replicate model, and what it takes to get the model
 * home. Only inputs the model declares are sent (predict.py {@code Predictor.predict}): Replicate
 * refuses others. What the model does with them decides the rest:
 *
 * <ul>
 *   <li>It runs its own webhook receiver and replaces the trainer's {@code webhook_config} with it
 *       (predict.py, simpletuner/cog.py), so no callback of ours would arrive: none is sent.
 *   <li>S3 publishing goes through its {@code s3_*} inputs, which replace any
 *       {@code --publishing_config} (cog.py merges them over the config); so the one S3 target
 *       moves there, and a second one cannot be served.
 *   <li>The trainer publishes only after a validation that executes (validation.py
 *       {@code _publish_validation_artifacts}); the final validation is skipped (trainer.py,
 *       {@code skip_execution=True}) and nothing in the container sets
 *       {@code SIMPLETUNER_PUBLISH_FINAL_ARTIFACTS}. So when the job publishes, a checkpoint and a
 *       validation are scheduled at the last step, and that checkpoint carries the final weights.
 *   <li>Pushing to the Hub itself ({@code hub_model_id}, {@code hf_token}) happens at the end of
 *       training with the final model.
 * </ul>
 *
 * @param input    the prediction's input
 * @param warnings what was changed for the model, for the submitter
 */
record ModelInputs(JsonObject input, List<String> warnings) {
  private static final String PUBLISHING = "--publishing_config";
  // SimpleTuner's field registry: these names with their aliases, and their defaults.
  private static final String VALIDATION_EVERY = "--validation_step_interval";
  private static final String VALIDATION_ALIAS = "--validation_steps";
  private static final int VALIDATION_DEFAULT = 100;
  private static final String CHECKPOINT_EVERY = "--checkpoint_step_interval";
  private static final String CHECKPOINT_ALIAS = "--checkpointing_steps";
  private static final int CHECKPOINT_DEFAULT = 500;
  private static final String ROLLING_CHECKPOINT = "--checkpointing_rolling_steps";

  /** Builds the input; fails with IllegalArgumentException when the job cannot work on the model. */
  static ModelInputs of(JobSpec spec) {
    JsonObject config = spec.config().copy();
    List<String> warnings = new ArrayList<>();
    config.remove("--webhook_config");
    JsonObject input = new JsonObject();
    JsonObject s3 = takeS3(config);
    if (s3 != null) {
      finalWeightsHome(config, warnings);
      putIfSet(input, "s3_bucket", s3.getString("bucket"));
      putIfSet(input, "s3_region", s3.getString("region"));
      putIfSet(input, "s3_endpoint_url", s3.getString("endpoint_url"));
      putIfSet(input, "s3_base_path", s3.getString("base_path"));
      putIfSet(input, "s3_public_base_url", s3.getString("public_base_url"));
      putIfSet(input, "s3_access_key", s3.getString("access_key"));
      putIfSet(input, "s3_secret_key", s3.getString("secret_key"));
    }
    String token = spec.secrets().get("hf_token");
    if (truthy(config.getValue("--push_to_hub")) && config.getValue("--hub_model_id") instanceof String hub
        && !hub.isBlank()) {
      if (token == null) {
        throw new IllegalArgumentException("The config pushes to the Hub from the trainer (--push_to_hub with "
            + "--hub_model_id), but no Hugging Face token is handed to the provider: let the trainer push "
            + "(the Hub target's token_to_provider setting) or let this server deliver to the Hub.");
      }
      // predict.py sets --push_to_hub, --hub_model_id and --push_checkpoints_to_hub from these.
      input.put("hub_model_id", hub.strip()).put("hf_token", token);
    }
    if (s3 == null && !input.containsKey("hub_model_id") && !config.containsKey(PUBLISHING)) {
      throw new IllegalArgumentException("The trained model would never leave Replicate's container: set a public URL "
          + "(SIMPLETUNER_PUBLIC_URL or Settings → Webhook URL) so it comes home to this server, or choose a "
          + "delivery to the Hugging Face Hub or an S3 store.");
    }
    input.put("config_json", config.encode());
    input.put("dataloader_json", spec.dataloaderConfig().encode());
    if (spec.dataArchiveUrl() != null) {
      input.put("images", spec.dataArchiveUrl());
    }
    return new ModelInputs(input, List.copyOf(warnings));
  }

  /** Moves the S3 entry of {@code --publishing_config} out of the config; null when there is none. */
  private static JsonObject takeS3(JsonObject config) {
    JsonArray entries = ConfigEntries.of(PUBLISHING, config.getValue(PUBLISHING));
    JsonArray rest = new JsonArray();
    JsonObject s3 = null;
    for (Object o : entries) {
      JsonObject entry = (JsonObject) o;
      String provider = String.valueOf(entry.getValue("provider", entry.getValue("type"))).toLowerCase(Locale.ROOT);
      if (!provider.equals("s3") && !provider.equals("s3-compatible")) {
        rest.add(entry);
      } else if (s3 == null) {
        s3 = entry;
      } else {
        throw new IllegalArgumentException("The job publishes to two S3 stores, but SimpleTuner's Replicate model "
            + "takes one (its s3_* inputs): deliver one of them from this server instead.");
      }
    }
    if (s3 != null && !rest.isEmpty()) {
      throw new IllegalArgumentException("SimpleTuner's Replicate model replaces --publishing_config with its S3 "
          + "target, so the job's other publishing targets (" + rest.stream().map(e -> String.valueOf(
          ((JsonObject) e).getValue("provider"))).toList() + ") would never be used.");
    }
    config.remove(PUBLISHING);
    if (!rest.isEmpty()) {
      config.put(PUBLISHING, rest);
    }
    return s3;
  }

  /**
   * A checkpoint and a validation at the last step, so the final weights are published; the
   * cadences the config asked for are kept where they already meet the last step.
   */
  private static void finalWeightsHome(JsonObject config, List<String> warnings) {
    Integer steps = whole(config.getValue("--max_train_steps"));
    if (steps == null || steps <= 0) {
      throw new IllegalArgumentException("Set --max_train_steps: on Replicate, SimpleTuner's model publishes the "
          + "model only after a validation, which this server schedules at the last step.");
    }
    if (!(config.getValue("--validation_prompt") instanceof String prompt) || prompt.isBlank()) {
      // Without a prompt no validation runs, and nothing would ever be published: one is added, at
      // the last step only (a few seconds of GPU time at the end of the run).
      String added = config.getValue("--instance_prompt") instanceof String p && !p.isBlank() ? p.strip() : "a photo";
      config.put("--validation_prompt", added).put(VALIDATION_EVERY, steps).remove(VALIDATION_ALIAS);
      warnings.add("SimpleTuner's Replicate model publishes the model only after a validation runs, and the config "
          + "has no --validation_prompt: one validation (\"" + added + "\") runs at the last step, so the "
          + "model comes home.");
    }
    int validation = interval(config, VALIDATION_EVERY, VALIDATION_ALIAS, VALIDATION_DEFAULT);
    if (steps % validation != 0) {
      int every = divisor(steps, validation);
      every = every * 2 < validation ? steps : every;
      config.remove(VALIDATION_ALIAS);
      config.put(VALIDATION_EVERY, every);
      warnings.add("Validations run every " + every + " steps instead of every " + validation + ", so one runs at "
          + "the last step (" + steps + "): SimpleTuner's Replicate model publishes the model after a validation.");
    }
    int checkpoint = interval(config, CHECKPOINT_EVERY, CHECKPOINT_ALIAS, CHECKPOINT_DEFAULT);
    if (steps % checkpoint != 0) {
      int every = divisor(steps, checkpoint);
      if (every * 2 < checkpoint) {
        config.put(ROLLING_CHECKPOINT, steps);
        warnings.add("A checkpoint is also saved at the last step (" + steps + "): it carries the final weights "
            + "home, since the final save comes after the last publishing.");
      } else {
        config.remove(CHECKPOINT_ALIAS);
        config.put(CHECKPOINT_EVERY, every);
        warnings.add("Checkpoints are saved every " + every + " steps instead of every " + checkpoint + ", so the "
            + "last step's checkpoint carries the final weights home.");
      }
    }
  }

  private static int interval(JsonObject config, String name, String alias, int defaultValue) {
    Integer value = whole(config.getValue(name));
    if (value == null) {
      value = whole(config.getValue(alias));
    }
    return value == null || value <= 0 ? defaultValue : value;
  }

  /** The largest divisor of {@code n} that is at most {@code atMost}. */
  static int divisor(int n, int atMost) {
    for (int d = Math.min(n, atMost); d > 1; d--) {
      if (n % d == 0) {
        return d;
      }
    }
    return 1;
  }

  private static Integer whole(Object value) {
    if (value instanceof Number n && n.doubleValue() == Math.floor(n.doubleValue())) {
      return n.intValue();
    }
    if (value instanceof String s && s.strip().matches("\\d{1,9}")) {
      return Integer.parseInt(s.strip());
    }
    return null;
  }

  private static boolean truthy(Object value) {
    return value instanceof Boolean b ? b : value instanceof String s
        && List.of("true", "1", "yes", "on").contains(s.strip().toLowerCase(Locale.ROOT));
  }

  private static void putIfSet(JsonObject input, String key, String value) {
    if (value != null && !value.isBlank()) {
      input.put(key, value);
    }
  }
}

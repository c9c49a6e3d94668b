package dev.simpletuner.cloud.spi.delivery;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * How a target serves one job.
 *
 * @param serverDelivers   true: the trainer sends outputs home and the host calls
 *                         {@link DeliveryTarget#deliver} after the job completed; false: the trainer
 *                         publishes itself using {@code configChanges} / {@code publishing}
 * @param destination      where the model will be, for the job's {@code delivery} entry (a repo URL,
 *                         {@code s3://bucket/prefix}); may be null
 * @param options          the per-job options to keep for {@link DeliveryJob#options()} (normalised)
 * @param configChanges    trainer config keys to set (CLI-style), e.g. {@code {"--push_to_hub": true}}
 * @param publishing       entries to append to the trainer's {@code --publishing_config}
 * @param trainerSecrets   secrets the provider must hand to the trainer without putting them in the
 *                         config, e.g. {@code {"hf_token": "..."}}; see {@link dev.simpletuner.cloud.spi.JobSpec#secrets()}
 * @param warnings         sentences shown to the user with the submission
 */
public record DeliveryPlan(boolean serverDelivers, String destination, JsonObject options, JsonObject configChanges,
                           JsonArray publishing, Map<String, String> trainerSecrets, List<String> warnings) {

  public DeliveryPlan {
    options = options == null ? new JsonObject() : options;
    configChanges = configChanges == null ? new JsonObject() : configChanges;
    publishing = publishing == null ? new JsonArray() : publishing;
    trainerSecrets = trainerSecrets == null ? Map.of() : Map.copyOf(trainerSecrets);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }

  /** The trainer sends outputs home; the host delivers them here afterwards. */
  public static DeliveryPlan byServer(String destination, JsonObject options) {
    return new DeliveryPlan(true, destination, options, null, null, null, null);
  }
}

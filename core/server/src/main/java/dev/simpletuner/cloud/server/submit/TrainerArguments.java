package dev.simpletuner.cloud.server.submit;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The arguments SimpleTuner's trainer cannot start without. Its field registry marks
 * {@code --model_family}, {@code --model_type}, {@code --optimizer}, {@code --output_dir} and
 * {@code --data_backend_config} required, and its parser refuses a run that lacks one (exit status
 * 2). The last two are the server's to set where the trainer runs; the optimizer has a safe
 * default (the registry's own, {@code adamw_bf16}); the model family and type have none (choosing
 * a full fine-tune for someone who meant a LoRA multiplies cost and size), so a submission without
 * them is refused before anything is stored.
 */
public final class TrainerArguments {
  /** The field registry's default optimizer (field_registry/sections/training.py). */
  public static final String DEFAULT_OPTIMIZER = "adamw_bf16";
  private static final List<String> WITHOUT_DEFAULT = List.of("--model_family", "--model_type");

  private TrainerArguments() {
  }

  /**
   * Refuses a config that lacks a required argument with no safe default, naming every missing one;
   * fills the optimizer and says so in {@code warnings}.
   *
   * @return the config the trainer gets (a copy when something was filled)
   */
  public static JsonObject complete(JsonObject config, List<String> warnings) {
    List<String> missing = new ArrayList<>();
    for (String key : WITHOUT_DEFAULT) {
      if (blank(config.getValue(key))) {
        missing.add(key);
      }
    }
    if (!missing.isEmpty()) {
      throw new AppException(ErrorCode.INVALID_INPUT, "The trainer cannot start without " + String.join(" and ",
          missing) + ": add " + (missing.size() == 1 ? "it" : "them") + " to the config (SimpleTuner's field "
          + "registry marks them required, and it refuses to run without them).", new JsonObject()
          .put("field", "config." + missing.get(0)).put("missing", new JsonArray(missing)));
    }
    if (!blank(config.getValue("--optimizer"))) {
      return config;
    }
    warnings.add("--optimizer was not set; the trainer gets " + DEFAULT_OPTIMIZER + " (SimpleTuner's own default).");
    return config.copy().put("--optimizer", DEFAULT_OPTIMIZER);
  }

  private static boolean blank(Object value) {
    return value == null || value instanceof String s && s.isBlank();
  }
}

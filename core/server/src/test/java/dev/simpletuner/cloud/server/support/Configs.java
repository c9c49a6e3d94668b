package dev.simpletuner.cloud.server.support;

import io.vertx.core.json.JsonObject;

/** Trainer configs SimpleTuner accepts (it requires a model family and type): what test submissions start from. */
public final class Configs {
  private Configs() {
  }

  public static JsonObject lora() {
    return new JsonObject().put("--model_family", "flux").put("--model_type", "lora");
  }

  public static JsonObject lora(int steps) {
    return lora().put("--max_train_steps", steps);
  }
}

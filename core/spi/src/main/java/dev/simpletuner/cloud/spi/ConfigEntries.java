package dev.simpletuner.cloud.spi;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The entries of a trainer option that takes a list of objects, such as {@code --webhook_config}
 * and {@code --publishing_config}: SimpleTuner accepts one object or a list of them, and a config
 * file may hold the JSON text of either (its argument parser decodes it before the publishing
 * manager sees it, simpletuner/helpers/publishing/manager.py).
 */
public final class ConfigEntries {
  private ConfigEntries() {
  }

  /**
   * A copy of the entries; empty when the option is unset or blank.
   *
   * @throws IllegalArgumentException naming {@code option} when the text is neither a JSON list
   *                                  nor an object
   */
  public static JsonArray of(String option, Object value) {
    if (value instanceof JsonArray a) {
      return a.copy();
    }
    if (value instanceof JsonObject o) {
      return new JsonArray().add(o.copy());
    }
    if (value instanceof String s && !s.isBlank()) {
      String text = s.strip();
      try {
        return of(option, text.startsWith("[") ? new JsonArray(text) : new JsonObject(text));
      } catch (DecodeException e) {
        throw new IllegalArgumentException(option + " is neither a JSON list nor an object.");
      }
    }
    return new JsonArray();
  }
}

package dev.simpletuner.cloud.server.reproduce;

import dev.simpletuner.cloud.server.error.AppException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;

/**
 * Changes laid over a base config and dataloader (a clone's, a sweep run's): {@code config} keys
 * (null removes one), {@code dataloader} entries by dataset id, {@code remove_datasets}.
 */
public final class Overrides {
  private Overrides() {
  }

  /** The base config with the {@code config} overrides laid over it (a copy). */
  public static JsonObject config(JsonObject base, JsonObject overrides) {
    JsonObject config = base.copy();
    JsonObject changes = overrides.getJsonObject("config", new JsonObject());
    for (String key : changes.fieldNames()) {
      if (changes.getValue(key) == null) {
        config.remove(key);
      } else {
        config.put(key, changes.getValue(key));
      }
    }
    return config;
  }

  /**
   * The base's datasets with {@code dataloader} entries replacing those of the same id (or added)
   * and the ids in {@code remove_datasets} left out.
   */
  public static JsonArray dataloader(JsonArray parent, JsonObject overrides) {
    JsonArray replacements = overrides.getJsonArray("dataloader", new JsonArray());
    JsonArray removals = overrides.getJsonArray("remove_datasets", new JsonArray());
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
}

package dev.simpletuner.cloud.server.reproduce;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What changed between two configs, key by key: the trainer settings by argument name, the
 * dataloader by dataset id (an entry without an id by its position). Each change is
 * {@code {key, change: added|removed|changed, old, new}}.
 */
public final class ConfigDiff {
  private ConfigDiff() {
  }

  /** {@code {config: [...], dataloader: [...], identical}}. */
  public static JsonObject between(JsonObject oldConfig, JsonArray oldDataloader, JsonObject newConfig,
                                   JsonArray newDataloader) {
    JsonArray config = keys(oldConfig.getMap(), newConfig.getMap());
    JsonArray dataloader = keys(byId(oldDataloader), byId(newDataloader));
    return new JsonObject().put("config", config).put("dataloader", dataloader)
        .put("identical", config.isEmpty() && dataloader.isEmpty());
  }

  private static JsonArray keys(Map<String, Object> before, Map<String, Object> after) {
    JsonArray out = new JsonArray();
    TreeSet<String> all = new TreeSet<>(before.keySet());
    all.addAll(after.keySet());
    for (String key : all) {
      Object was = JsonObject.of("v", before.get(key)).getValue("v");
      Object is = JsonObject.of("v", after.get(key)).getValue("v");
      if (!before.containsKey(key)) {
        out.add(change(key, "added", null, is));
      } else if (!after.containsKey(key)) {
        out.add(change(key, "removed", was, null));
      } else if (!Objects.equals(ContentHash.canonicalJson(was), ContentHash.canonicalJson(is))) {
        out.add(change(key, "changed", was, is));
      }
    }
    return out;
  }

  private static JsonObject change(String key, String kind, Object was, Object is) {
    return new JsonObject().put("key", key).put("change", kind).put("old", was).put("new", is);
  }

  private static Map<String, Object> byId(JsonArray datasets) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < datasets.size(); i++) {
      Object entry = datasets.getValue(i);
      String id = entry instanceof JsonObject o && o.getValue("id") instanceof String s ? s : "#" + i;
      out.put(id, entry);
    }
    return out;
  }
}

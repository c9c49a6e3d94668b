package dev.simpletuner.cloud.server.reproduce;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sha256 of a config and its dataloader as canonical JSON (object keys sorted at every depth,
 * no spaces): the same settings give the same hash whatever order they were sent in.
 */
public final class ContentHash {
  private ContentHash() {
  }

  /** {@code sha256:<hex>} of {@code {"config": ..., "dataloader_config": ...}}. */
  public static String of(JsonObject config, JsonArray dataloader) {
    String canonical = canonicalJson(new JsonObject().put("config", config == null ? new JsonObject() : config)
        .put("dataloader_config", dataloader == null ? new JsonArray() : dataloader));
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The value as JSON with every object's keys in sorted order. */
  public static String canonicalJson(Object value) {
    return Json.encode(sorted(value));
  }

  private static Object sorted(Object value) {
    if (value instanceof JsonObject o) {
      value = o.getMap();
    }
    if (value instanceof JsonArray a) {
      value = a.getList();
    }
    if (value instanceof Map<?, ?> m) {
      TreeMap<String, Object> out = new TreeMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), sorted(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(v -> out.add(sorted(v)));
      return out;
    }
    return value;
  }
}

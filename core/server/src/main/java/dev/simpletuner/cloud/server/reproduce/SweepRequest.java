package dev.simpletuner.cloud.server.reproduce;

import dev.simpletuner.cloud.server.error.AppException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A sweep as asked ({@code POST /api/cloud/sweeps}): the base (a named config or a job), the runs
 * (a grid of config values, every combination, or a list of overrides), and how to run them. The
 * contract checks shapes and bounds; this expands the grid and checks what the contract cannot say.
 */
public record SweepRequest(String configName, String jobId, String provider, String hardware, String name,
                           List<JsonObject> runs, int maxConcurrent, boolean continueOnError, String metric,
                           String idempotencyKey, JsonObject body) {
  /** More runs than this in one sweep is refused (a grid grows fast). */
  public static final int MAX_RUNS = 100;
  /** What a sweep's best run is chosen by; lower is better for each. */
  public static final List<String> METRICS = List.of("final_loss", "cost_usd", "duration_seconds");

  public static SweepRequest parse(JsonObject body) {
    JsonObject base = body.getJsonObject("base", new JsonObject());
    String configName = text(base, "config_name");
    String jobId = text(base, "job_id");
    if ((configName == null) == (jobId == null)) {
      throw AppException.invalid("base", "A sweep's base is one named config (\"config_name\") or one job "
          + "(\"job_id\").");
    }
    JsonObject grid = body.getJsonObject("grid");
    JsonArray list = body.getJsonArray("runs");
    if ((grid == null) == (list == null)) {
      throw AppException.invalid("grid", "Give the runs as a \"grid\" (config keys to lists of values: every "
          + "combination runs) or as a list of \"runs\" (each with its overrides), one of the two.");
    }
    List<JsonObject> runs = grid != null ? expand(grid) : overrides(list);
    if (runs.isEmpty() || runs.size() > MAX_RUNS) {
      throw AppException.invalid(grid != null ? "grid" : "runs", "A sweep has 1 to " + MAX_RUNS + " runs; this one "
          + "has " + runs.size() + ".");
    }
    String metric = body.getString("metric", "final_loss");
    return new SweepRequest(configName, jobId, text(body, "provider"), text(body, "hardware"), text(body, "name"),
        runs, body.getInteger("max_concurrent", 1), body.getBoolean("continue_on_error", false), metric,
        text(body, "idempotency_key"), body);
  }

  /** A fingerprint of what was asked, for the idempotency key: the same body gives the same hash. */
  public String requestHash() {
    JsonObject copy = body.copy();
    copy.remove("idempotency_key");
    return ContentHash.of(copy, new JsonArray());
  }

  /** Every combination of the grid's values, the first key varying slowest. */
  private static List<JsonObject> expand(JsonObject grid) {
    List<JsonObject> combos = new ArrayList<>();
    combos.add(new JsonObject());
    for (String key : grid.fieldNames()) {
      if (!(grid.getValue(key) instanceof JsonArray values) || values.isEmpty()) {
        throw AppException.invalid("grid." + key, "Each grid key maps to a non-empty list of values.");
      }
      List<JsonObject> next = new ArrayList<>();
      for (JsonObject combo : combos) {
        for (Object value : values) {
          next.add(combo.copy().put(key, value));
        }
        if (next.size() > MAX_RUNS) {
          throw AppException.invalid("grid", "The grid makes more than " + MAX_RUNS + " runs.");
        }
      }
      combos = next;
    }
    List<JsonObject> out = new ArrayList<>();
    combos.forEach(c -> out.add(new JsonObject().put("config", c)));
    return out;
  }

  private static List<JsonObject> overrides(JsonArray list) {
    List<JsonObject> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof JsonObject run)) {
        throw AppException.invalid("runs[" + i + "]", "Each run is an object of overrides (config, dataloader, "
            + "remove_datasets, hardware).");
      }
      out.add(run.copy());
    }
    return out;
  }

  private static String text(JsonObject body, String field) {
    String value = body.getString(field);
    return value == null || value.isBlank() ? null : value.strip();
  }
}

package dev.simpletuner.cloud.server.contract;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks at start-up that every operation documents the statuses the server's shared machinery
 * sends for it, whatever its handler does: clients generated from the contract (and outside
 * contract tests) must not meet an undocumented status. Handler-specific statuses (404, 409, ...)
 * are the operation's own to list.
 */
public final class ContractCheck {
  private static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options");

  private ContractCheck() {
  }

  /** Fails with every missing status named when an operation of {@code published} lacks one. */
  public static void verify(JsonObject published) {
    List<String> problems = problems(published);
    if (!problems.isEmpty()) {
      throw new IllegalStateException("The API contract does not document statuses the server sends: "
          + String.join("; ", problems));
    }
  }

  /** One line per operation that lacks a status, e.g. {@code "getJob lacks 401, 403"}. */
  static List<String> problems(JsonObject published) {
    List<String> problems = new ArrayList<>();
    JsonArray global = published.getJsonArray("security", new JsonArray());
    JsonObject paths = published.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : METHODS) {
        JsonObject op = item.getJsonObject(method);
        if (op == null || op.getBoolean("x-raw", false)) {
          continue; // raw-protocol operations (S3) answer in their own protocol, past this machinery
        }
        Set<String> missing = new TreeSet<>(required(published, item, method, op, global));
        missing.removeAll(op.getJsonObject("responses", new JsonObject()).fieldNames());
        if (!missing.isEmpty()) {
          problems.add(op.getString("operationId") + " lacks " + String.join(", ", missing));
        }
      }
    }
    return problems;
  }

  /** The statuses that follow from the operation's shape and from where the server sends them. */
  private static Set<String> required(JsonObject doc, JsonObject item, String method, JsonObject op,
                                      JsonArray global) {
    Set<String> statuses = new TreeSet<>();
    if (!op.getJsonArray("security", global).isEmpty()) {
      statuses.add("401"); // AccessGuard: no or bad credentials
      statuses.add("403"); // AccessGuard: a missing permission or scope, cross-site, a foreign Host
    }
    List<String> locations = new ArrayList<>();
    for (JsonArray params : List.of(item.getJsonArray("parameters", new JsonArray()),
        op.getJsonArray("parameters", new JsonArray()))) {
      params.forEach(p -> locations.add(location(doc, (JsonObject) p)));
    }
    boolean body = op.containsKey("requestBody");
    if (!locations.isEmpty() || body) {
      statuses.add("400"); // OperationValidator, and OperationTable for a malformed %-escape
    }
    if (locations.contains("path") || locations.contains("query")) {
      statuses.add("414"); // the HTTP layer: a request line over its limit
    }
    if (Contract.hasBody(HttpMethod.valueOf(method.toUpperCase(Locale.ROOT)))) {
      statuses.add("413"); // the body handler reads every POST/PUT/PATCH body, up to its limit
    }
    if (body) {
      statuses.add("415"); // OperationValidator: a body that is not JSON
    }
    if (op.getString("x-rate-limit") != null) {
      statuses.add("429"); // AccessGuard: the operation's rate-limit class
    }
    return statuses;
  }

  private static String location(JsonObject doc, JsonObject parameter) {
    String ref = parameter.getString("$ref");
    if (ref == null) {
      return parameter.getString("in");
    }
    String name = ref.substring(ref.lastIndexOf('/') + 1);
    return doc.getJsonObject("components").getJsonObject("parameters").getJsonObject(name).getString("in");
  }
}

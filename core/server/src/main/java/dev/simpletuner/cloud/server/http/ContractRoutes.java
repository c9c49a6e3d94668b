package dev.simpletuner.cloud.server.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The contract's operations as a lookup table: which operation a request is for, and whether the
 * contract declares it public ({@code security: []}). Access rules come from here, not from a
 * hand-kept list.
 */
final class ContractRoutes {
  /**
   * One operation of the contract: public when its security is {@code []}; otherwise the caller
   * needs one of {@code permissions} (none listed: any authenticated caller).
   */
  record Operation(String id, HttpMethod method, String path, Pattern pattern, JsonArray security,
                   List<String> permissions, String rateLimit) {
    boolean isPublic() {
      return security.isEmpty();
    }
  }

  private static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options");
  private final List<Operation> operations = new ArrayList<>();
  /** Operations without path parameters, by "METHOD path": most requests are found without a regex. */
  private final Map<String, Operation> literal = new HashMap<>();
  private final List<Operation> templated = new ArrayList<>();

  ContractRoutes(JsonObject contract) {
    JsonArray global = contract.getJsonArray("security", new JsonArray());
    JsonObject paths = contract.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      String regex = "^" + Pattern.quote(path).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q") + "$";
      JsonObject item = paths.getJsonObject(path);
      for (String method : METHODS) {
        JsonObject op = item.getJsonObject(method);
        if (op != null) {
          List<String> permissions = new ArrayList<>();
          op.getJsonArray("x-permissions", new JsonArray()).forEach(p -> permissions.add(String.valueOf(p)));
          Operation operation = new Operation(op.getString("operationId"),
              HttpMethod.valueOf(method.toUpperCase(Locale.ROOT)), path, Pattern.compile(regex),
              op.getJsonArray("security", global), List.copyOf(permissions), op.getString("x-rate-limit"));
          operations.add(operation);
          if (path.contains("{")) {
            templated.add(operation);
          } else {
            literal.put(operation.method().name() + " " + path, operation);
          }
        }
      }
    }
  }

  /** The operation a request is for, or null when the contract has none. */
  Operation find(HttpMethod method, String path) {
    Operation exact = literal.get(method.name() + " " + path);
    if (exact != null) {
      return exact;
    }
    for (Operation op : templated) {
      if (op.method().equals(method) && op.pattern().matcher(path).matches()) {
        return op;
      }
    }
    return null;
  }

  List<Operation> operations() {
    return operations;
  }
}

package dev.simpletuner.cloud.server.contract;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The contract's operations as a lookup table: which operation a request is for, and whether the
 * contract declares it public ({@code security: []}). Access rules come from here, not from a
 * hand-kept list.
 */
public final class OperationTable {
  /**
   * One operation of the contract: public when its security is {@code []}; otherwise the caller
   * needs one of {@code permissions} (none listed: any authenticated caller).
   */
  public record Operation(String id, HttpMethod method, String path, Pattern pattern, List<String> pathParams,
                   JsonArray security, List<String> permissions, String rateLimit) {
    public boolean isPublic() {
      return security.isEmpty();
    }
  }

  /** An operation with path parameters and its path up to the first one (checked before the regex). */
  private record Templated(Operation operation, String literalPrefix) {
  }

  /** A request's operation and its path parameters (decoded), found once and kept on the request. */
  public record Match(Operation operation, Map<String, String> pathParams) {
    public static final String KEY = "contractMatch";
  }

  private static final Pattern TEMPLATE = Pattern.compile("\\{([^}]+)}");
  private static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options");
  private final List<Operation> operations = new ArrayList<>();
  /** Operations without path parameters, by "METHOD path": most requests are found without a regex. */
  private final Map<String, Operation> literal = new HashMap<>();
  private final List<Templated> templated = new ArrayList<>();
  /** The methods the contract has for each path: what a 405 names in its {@code Allow} header. */
  private final Map<String, List<String>> methodsOfLiteralPath = new HashMap<>();
  private final Map<Pattern, List<String>> methodsOfTemplatedPath = new java.util.LinkedHashMap<>();

  public OperationTable(JsonObject contract) {
    JsonArray global = contract.getJsonArray("security", new JsonArray());
    JsonObject paths = contract.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      List<String> names = new ArrayList<>();
      Matcher template = TEMPLATE.matcher(path);
      StringBuilder regex = new StringBuilder("^");
      int last = 0;
      while (template.find()) {
        regex.append(Pattern.quote(path.substring(last, template.start()))).append("([^/]+)");
        names.add(template.group(1));
        last = template.end();
      }
      regex.append(Pattern.quote(path.substring(last))).append('$');
      JsonObject item = paths.getJsonObject(path);
      List<String> methods = new ArrayList<>();
      for (String method : METHODS) {
        if (item.getJsonObject(method) != null) {
          methods.add(method.toUpperCase(Locale.ROOT));
        }
      }
      if (path.contains("{")) {
        methodsOfTemplatedPath.put(Pattern.compile(regex.toString()), List.copyOf(methods));
      } else {
        methodsOfLiteralPath.put(path, List.copyOf(methods));
      }
      for (String method : METHODS) {
        JsonObject op = item.getJsonObject(method);
        if (op != null) {
          List<String> permissions = new ArrayList<>();
          op.getJsonArray("x-permissions", new JsonArray()).forEach(p -> permissions.add(String.valueOf(p)));
          Operation operation = new Operation(op.getString("operationId"),
              HttpMethod.valueOf(method.toUpperCase(Locale.ROOT)), path, Pattern.compile(regex.toString()),
              List.copyOf(names), op.getJsonArray("security", global), List.copyOf(permissions),
              op.getString("x-rate-limit"));
          operations.add(operation);
          if (path.contains("{")) {
            templated.add(new Templated(operation, path.substring(0, path.indexOf('{'))));
          } else {
            literal.put(operation.method().name() + " " + path, operation);
          }
        }
      }
    }
  }

  /** The operation a request is for, with its path parameters; null when the contract has none. */
  public Match match(HttpMethod method, String requestPath) {
    // A trailing slash names the same resource (as the web router had it).
    String path = requestPath.length() > 1 && requestPath.endsWith("/")
        ? requestPath.substring(0, requestPath.length() - 1) : requestPath;
    Operation exact = literal.get(method.name() + " " + path);
    if (exact != null) {
      return new Match(exact, Map.of());
    }
    if (methodsOfLiteralPath.containsKey(path)) {
      // A literal path outranks a template (OpenAPI path matching): GET /api/cloud/jobs/submit is a
      // method the submit path lacks (405), not a job named "submit".
      return null;
    }
    for (Templated t : templated) {
      Operation op = t.operation();
      if (!op.method().equals(method) || !path.startsWith(t.literalPrefix())) {
        continue;
      }
      Matcher m = op.pattern().matcher(path);
      if (m.matches()) {
        Map<String, String> params = new HashMap<>(4);
        for (int i = 0; i < op.pathParams().size(); i++) {
          params.put(op.pathParams().get(i), decode(m.group(i + 1)));
        }
        return new Match(op, params);
      }
    }
    return null;
  }

  /**
   * The methods the contract has for the path, in the contract's order; empty when the path is not
   * one of the contract's (a request with another method there gets 405 with these in {@code Allow}).
   */
  public List<String> methodsAt(String requestPath) {
    String path = requestPath.length() > 1 && requestPath.endsWith("/")
        ? requestPath.substring(0, requestPath.length() - 1) : requestPath;
    List<String> exact = methodsOfLiteralPath.get(path);
    if (exact != null) {
      return exact;
    }
    for (Map.Entry<Pattern, List<String>> e : methodsOfTemplatedPath.entrySet()) {
      if (e.getKey().matcher(path).matches()) {
        return e.getValue();
      }
    }
    return List.of();
  }

  /** Percent-decoding of a path segment ('+' is a plus sign there, not a space). */
  private static String decode(String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    try {
      return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new AppException(ErrorCode.INVALID_INPUT, "The path has a malformed %-escape.");
    }
  }

  List<Operation> operations() {
    return operations;
  }
}

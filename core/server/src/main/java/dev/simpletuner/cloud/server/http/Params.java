package dev.simpletuner.cloud.server.http;

import dev.simpletuner.cloud.server.contract.OperationValidator;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Typed access to the parameters and body the contract already validated. */
public final class Params {
  private Params() {
  }

  private static OperationValidator.Validated validated(RoutingContext rc) {
    return rc.get(OperationValidator.KEY);
  }

  public static String path(RoutingContext rc, String name) {
    Object value = validated(rc).path().get(name);
    return value == null ? null : String.valueOf(value);
  }

  public static String query(RoutingContext rc, String name) {
    Object value = validated(rc).query().get(name);
    return value == null ? null : String.valueOf(value);
  }

  public static int queryInt(RoutingContext rc, String name, int fallback) {
    Object value = validated(rc).query().get(name);
    return value instanceof Number n ? n.intValue() : fallback;
  }

  public static boolean queryBool(RoutingContext rc, String name) {
    return Boolean.TRUE.equals(validated(rc).query().get(name));
  }

  public static JsonObject body(RoutingContext rc) {
    Object body = validated(rc).body();
    return body instanceof JsonObject o ? o : new JsonObject();
  }
}

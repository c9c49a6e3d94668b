package dev.simpletuner.cloud.server.http;

import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;

/** Typed access to the parameters the OpenAPI contract already validated. */
final class Params {
  private Params() {
  }

  private static ValidatedRequest validated(RoutingContext rc) {
    return rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
  }

  static String path(RoutingContext rc, String name) {
    RequestParameter p = validated(rc).getPathParameters().get(name);
    return p == null || p.isNull() ? rc.pathParam(name) : p.getString();
  }

  static String query(RoutingContext rc, String name) {
    RequestParameter p = validated(rc).getQuery().get(name);
    return p == null || p.isNull() ? null : String.valueOf(p.get());
  }

  static int queryInt(RoutingContext rc, String name, int fallback) {
    RequestParameter p = validated(rc).getQuery().get(name);
    return p == null || p.isNull() ? fallback : p.getInteger();
  }

  static boolean queryBool(RoutingContext rc, String name) {
    RequestParameter p = validated(rc).getQuery().get(name);
    return p != null && !p.isNull() && Boolean.TRUE.equals(p.getBoolean());
  }

  static JsonObject body(RoutingContext rc) {
    RequestParameter p = validated(rc).getBody();
    return p == null || p.isNull() ? new JsonObject() : p.getJsonObject();
  }
}

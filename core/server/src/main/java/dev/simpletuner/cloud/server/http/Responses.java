package dev.simpletuner.cloud.server.http;

import dev.simpletuner.cloud.server.error.AppException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Writes JSON responses and routes failures to the one failure handler. */
public final class Responses {
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

  private Responses() {
  }

  public static void json(RoutingContext rc, int status, JsonObject body) {
    json(rc, status, body.toBuffer());
  }

  public static void json(RoutingContext rc, int status, Buffer body) {
    if (rc.response().ended() || rc.response().closed()) {
      return;
    }
    rc.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
        .end(body);
  }

  /** Sends the future's result as 200 JSON, or its failure through the failure handler. */
  public static void reply(RoutingContext rc, Future<JsonObject> result) {
    reply(rc, 200, result);
  }

  public static void reply(RoutingContext rc, int status, Future<JsonObject> result) {
    result.onSuccess(body -> json(rc, status, body)).onFailure(rc::fail);
  }

  static void error(RoutingContext rc, AppException e) {
    json(rc, e.code().httpStatus(), e.toJson());
  }
}

package dev.simpletuner.cloud.server.http;

import dev.simpletuner.cloud.server.logging.LogSafe;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place failures become HTTP responses: every error has the shape
 * {@code {"success":false,"error","detail","code","details"}} and a real status; bad input never gives 500.
 */
public final class FailureHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(FailureHandler.class);

  @Override
  public void handle(RoutingContext rc) {
    if (rc.response().headWritten()) {
      rc.response().reset();
      return;
    }
    if (!rc.request().isEnded()) {
      // A refused request whose body was not read: drop the rest and the connection with it.
      rc.response().putHeader("Connection", "close");
      rc.request().resume();
    }
    Responses.error(rc, toAppException(rc));
  }

  static AppException toAppException(RoutingContext rc) {
    Throwable failure = rc.failure();
    if (failure instanceof AppException app) {
      return app;
    }
    if (failure instanceof HttpException http) {
      return fromStatus(http.getStatusCode(), http.getPayload());
    }
    if (failure == null) {
      return fromStatus(rc.statusCode(), null);
    }
    LOG.error("Unhandled failure on {} {}", rc.request().method(), LogSafe.of(rc.request().path()), failure);
    return new AppException(ErrorCode.INTERNAL_ERROR, "Internal error. The server log has the details.");
  }

  static AppException fromStatus(int status, String payload) {
    return switch (status) {
      case 400 -> new AppException(ErrorCode.INVALID_INPUT, payload != null ? payload : "Bad request.");
      case 401 -> AppException.authenticationRequired();
      case 403 -> new AppException(ErrorCode.PERMISSION_DENIED, payload != null ? payload : "Forbidden.");
      case 404 -> new AppException(ErrorCode.NOT_FOUND, "Not found.");
      case 405 -> new AppException(ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed on this path.");
      case 413 -> new AppException(ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large.");
      case 415 -> new AppException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json.");
      case 429 -> new AppException(ErrorCode.RATE_LIMITED, "Too many requests. Try again later.");
      case 503 -> new AppException(ErrorCode.SERVICE_UNAVAILABLE, "Service unavailable.");
      default -> status >= 400 && status < 500
          ? new AppException(ErrorCode.INVALID_INPUT, payload != null ? payload : "Bad request.")
          : new AppException(ErrorCode.INTERNAL_ERROR, "Internal error. The server log has the details.");
    };
  }


}

package dev.simpletuner.cloud.server.http;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place failures become HTTP responses: every error has the shape
 * {@code {"success":false,"error","code","details"}} and a real status; bad input never gives 500.
 */
final class FailureHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(FailureHandler.class);
  private static final Pattern PARAMETER = Pattern.compile("(query|path|header|cookie) parameter (\\S+?)[ .]");

  @Override
  public void handle(RoutingContext rc) {
    if (rc.response().headWritten()) {
      rc.response().reset();
      return;
    }
    Responses.error(rc, toAppException(rc));
  }

  static AppException toAppException(RoutingContext rc) {
    Throwable failure = rc.failure();
    if (failure instanceof AppException app) {
      return app;
    }
    if (failure instanceof HttpException http) {
      if (http.getCause() instanceof ValidatorException validation) {
        return fromValidation(validation);
      }
      return fromStatus(http.getStatusCode(), http.getPayload());
    }
    if (failure == null) {
      return fromStatus(rc.statusCode(), null);
    }
    LOG.error("Unhandled failure on {} {}", rc.request().method(), rc.request().path(), failure);
    return new AppException(ErrorCode.INTERNAL_ERROR, "Internal error. The server log has the details.");
  }

  static AppException fromStatus(int status, String payload) {
    return switch (status) {
      case 400 -> new AppException(ErrorCode.INVALID_INPUT, payload != null ? payload : "Bad request.");
      case 401 -> new AppException(ErrorCode.AUTHENTICATION_REQUIRED, "Authentication required.");
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

  private static AppException fromValidation(ValidatorException e) {
    String message = e.getMessage() == null ? "Invalid request." : e.getMessage();
    JsonObject details = new JsonObject();
    Matcher m = PARAMETER.matcher(message + " ");
    if (m.find()) {
      details.put("field", m.group(2)).put("in", m.group(1));
    } else if (e instanceof SchemaValidationException schema && schema.getOutputUnit() != null) {
      String field = field(schema.getOutputUnit());
      details.put("field", field.isEmpty() ? "body" : field).put("in", "body");
    } else if (message.contains("body")) {
      details.put("field", "body").put("in", "body");
    }
    if (message.contains("format of the request body is not supported")) {
      return new AppException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send the body as JSON with the header "
          + "Content-Type: application/json.", details);
    }
    if (message.contains("can't be decoded")) {
      message = "The request body is not valid JSON.";
    } else if (message.contains("does not contain the required body")) {
      message = "This request needs a JSON body.";
    }
    return new AppException(ErrorCode.INVALID_INPUT, message, details);
  }

  private static String field(OutputUnit unit) {
    List<OutputUnit> errors = unit.getErrors();
    OutputUnit relevant = errors == null || errors.isEmpty() ? unit : errors.get(errors.size() - 1);
    String location = relevant.getInstanceLocation() == null ? "" : relevant.getInstanceLocation();
    location = location.replaceFirst("^#?/?", "");
    return location.replace('/', '.');
  }
}

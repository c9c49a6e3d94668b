package dev.simpletuner.cloud.server.contract;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.json.schema.JsonSchemaValidationException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.json.schema.common.dsl.SchemaType;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.RequestBody;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Validates one operation's parameters and JSON body against the contract, on the event loop. The
 * schema validators are built once at start-up (the library's own request validator builds them
 * per request and runs every validation on a worker thread, which serialises requests).
 */
public final class OperationValidator {
  public static final String KEY = "validatedRequest";
  /** @param accepts a fast test of the simple schemas; null to always ask the validator */
  private record ParameterCheck(Parameter parameter, Validator validator, Predicate<Object> accepts) {
  }

  /** What a handler reads: parameters converted to their schema types, and the decoded body. */
  public record Validated(Map<String, Object> path, Map<String, Object> query, Object body) {
  }

  private final List<ParameterCheck> parameters = new ArrayList<>();
  private final boolean bodyRequired;
  private final Map<String, Validator> bodyValidators = new LinkedHashMap<>();

  OperationValidator(Operation operation, SchemaRepository schemas) {
    for (Parameter p : operation.getParameters()) {
      if (p.getSchemaType() == SchemaType.ARRAY || p.getSchemaType() == SchemaType.OBJECT) {
        throw new IllegalStateException("Parameter " + p.getName() + " of " + operation.getOperationId()
            + ": only scalar parameters are supported");
      }
      parameters.add(new ParameterCheck(p, schemas.validator(p.getSchema()), ScalarCheck.of(p.getSchema())));
    }
    RequestBody body = operation.getRequestBody();
    bodyRequired = body != null && body.isRequired();
    if (body != null) {
      for (Map.Entry<String, MediaType> e : body.getContent().entrySet()) {
        bodyValidators.put(e.getKey().toLowerCase(Locale.ROOT), schemas.validator(e.getValue().getSchema()));
      }
    }
  }

  /** @param pathParams the request's path parameters, decoded */
  void validate(RoutingContext rc, Map<String, String> pathParams) {
    validate(rc, pathParams, true);
  }

  /**
   * @param withBody false for operations that read their own body (streamed, or large): only the
   *                 parameters are checked, and the handler reads the body itself
   */
  void validate(RoutingContext rc, Map<String, String> pathParams, boolean withBody) {
    Map<String, Object> path = new HashMap<>(4);
    Map<String, Object> query = new HashMap<>(8);
    for (ParameterCheck check : parameters) {
      Parameter p = check.parameter();
      String raw = switch (p.getIn()) {
        case PATH -> pathParams.get(p.getName());
        case QUERY -> rc.queryParams().get(p.getName());
        case HEADER -> rc.request().getHeader(p.getName());
        case COOKIE -> rc.request().getCookie(p.getName()) == null ? null
            : rc.request().getCookie(p.getName()).getValue();
      };
      String where = p.getIn().name().toLowerCase(Locale.ROOT);
      if (raw == null) {
        if (p.isRequired()) {
          throw invalid(p.getName(), where, "The " + where + " parameter '" + p.getName() + "' is required.");
        }
        continue;
      }
      Object value = scalar(p.getSchemaType(), raw);
      if (check.accepts() == null || !check.accepts().test(value)) {
        OutputUnit result = check.validator().validate(value);
        try {
          result.checkValidity();
        } catch (JsonSchemaValidationException e) {
          throw invalid(p.getName(), where, "Invalid value for " + where + " parameter '" + p.getName() + "': "
              + reason(result));
        }
      }
      (p.getIn() == Location.PATH ? path : query).put(p.getName(), value);
    }
    rc.put(KEY, new Validated(path, query, withBody ? body(rc) : null));
  }

  /**
   * The raw text as the schema's type; text that is not of that type stays text so the schema
   * check reports it. (The library's transformer parses every value as JSON first, which turns the
   * string id "123" into a number and costs an exception per non-JSON string.)
   */
  private static Object scalar(SchemaType type, String raw) {
    try {
      return switch (type) {
        case INTEGER -> raw.matches("-?\\d{1,18}") ? Long.valueOf(raw) : raw;
        case NUMBER -> Double.valueOf(raw);
        case BOOLEAN -> "true".equals(raw) ? Boolean.TRUE : "false".equals(raw) ? Boolean.FALSE : raw;
        default -> raw;
      };
    } catch (NumberFormatException e) {
      return raw;
    }
  }

  private Object body(RoutingContext rc) {
    if (bodyValidators.isEmpty()) {
      return null;
    }
    Buffer buffer = rc.body() == null ? null : rc.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      if (bodyRequired) {
        throw invalid("body", "body", "This request needs a JSON body.");
      }
      return null;
    }
    String contentType = rc.request().getHeader("Content-Type");
    String mediaType = contentType == null ? "" : contentType.split(";")[0].strip().toLowerCase(Locale.ROOT);
    Validator validator = bodyValidators.get(mediaType);
    if (validator == null) {
      throw new AppException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send the body as JSON with the header "
          + "Content-Type: application/json.", new JsonObject().put("field", "body").put("in", "body"));
    }
    Object value;
    try {
      value = Json.decodeValue(buffer);
    } catch (DecodeException e) {
      throw invalid("body", "body", "The request body is not valid JSON.");
    }
    OutputUnit result = validator.validate(value);
    try {
      result.checkValidity();
    } catch (JsonSchemaValidationException e) {
      String field = field(result);
      throw invalid(field.isEmpty() ? "body" : field, "body", "Invalid request body: " + reason(result));
    }
    return value;
  }

  private static AppException invalid(String field, String where, String message) {
    return new AppException(ErrorCode.INVALID_INPUT, message, new JsonObject().put("field", field).put("in", where));
  }

  private static OutputUnit mostRelevant(OutputUnit unit) {
    List<OutputUnit> errors = unit.getErrors();
    return errors == null || errors.isEmpty() ? unit : errors.get(errors.size() - 1);
  }

  private static String reason(OutputUnit unit) {
    OutputUnit relevant = mostRelevant(unit);
    String field = field(unit);
    String error = relevant.getError() == null ? "invalid value" : relevant.getError();
    return field.isEmpty() ? error : error + " (at " + field + ")";
  }

  private static String field(OutputUnit unit) {
    String location = mostRelevant(unit).getInstanceLocation();
    return location == null ? "" : location.replaceFirst("^#?/?", "").replace('/', '.');
  }
}

package dev.simpletuner.cloud.server.error;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A failure with a code from {@link ErrorCode}, a sentence for humans and optional details (for
 * example the offending field). Stackless for user errors: they are expected, not bugs.
 */
public final class AppException extends RuntimeException {
  private final ErrorCode code;
  private final JsonObject details;

  public AppException(ErrorCode code, String message) {
    this(code, message, null, null);
  }

  public AppException(ErrorCode code, String message, JsonObject details) {
    this(code, message, details, null);
  }

  public AppException(ErrorCode code, String message, JsonObject details, Throwable cause) {
    super(Objects.requireNonNull(message, "message is null"), cause, true, code.type() != ErrorType.USER);
    this.code = Objects.requireNonNull(code, "code is null");
    this.details = details == null ? new JsonObject() : details;
  }

  public static AppException invalid(String field, String message) {
    return new AppException(ErrorCode.INVALID_INPUT, message, new JsonObject().put("field", field));
  }

  /** 401 without usable credentials: says every way to send them. */
  public static AppException authenticationRequired() {
    return new AppException(ErrorCode.AUTHENTICATION_REQUIRED, "Authentication required: log in, or send an API key "
        + "as 'X-API-Key: stk_...' or 'Authorization: Bearer stk_...'.");
  }

  public ErrorCode code() {
    return code;
  }

  public JsonObject details() {
    return details;
  }

  /**
   * The API's error body: {@code {"success":false,"error","detail","code","details"}}. {@code detail}
   * repeats {@code error} because the reference server (FastAPI) and its CLI read that field.
   */
  public JsonObject toJson() {
    return new JsonObject()
        .put("success", false)
        .put("error", getMessage())
        .put("detail", getMessage())
        .put("code", code.wireName())
        .put("details", details);
  }

  /** Rebuilds an exception from {@link #toJson()} (used across the event bus). */
  public static AppException fromJson(JsonObject json) {
    ErrorCode code;
    try {
      code = ErrorCode.valueOf(json.getString("code", "internal_error").toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      code = ErrorCode.INTERNAL_ERROR;
    }
    return new AppException(code, json.getString("error", "Internal error"), json.getJsonObject("details"));
  }
}

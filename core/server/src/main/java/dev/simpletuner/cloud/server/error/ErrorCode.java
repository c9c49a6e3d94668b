package dev.simpletuner.cloud.server.error;

/** The one error vocabulary: every failure the API reports has one of these codes. */
public enum ErrorCode {
  INVALID_INPUT(400, ErrorType.USER),
  UNKNOWN_PROVIDER(400, ErrorType.USER),
  AUTHENTICATION_REQUIRED(401, ErrorType.USER),
  INVALID_TOKEN(401, ErrorType.USER),
  PERMISSION_DENIED(403, ErrorType.USER),
  NOT_FOUND(404, ErrorType.USER),
  JOB_NOT_FOUND(404, ErrorType.USER),
  CONFIG_NOT_FOUND(404, ErrorType.USER),
  METHOD_NOT_ALLOWED(405, ErrorType.USER),
  INVALID_JOB_STATE(409, ErrorType.USER),
  IDEMPOTENCY_CONFLICT(409, ErrorType.USER),
  ALREADY_EXISTS(409, ErrorType.USER),
  CONFLICT(409, ErrorType.USER),
  NOT_IMPLEMENTED(501, ErrorType.USER),
  /** Accounts start with the first admin: what needs an account waits until it exists. */
  SETUP_REQUIRED(409, ErrorType.USER),
  PAYLOAD_TOO_LARGE(413, ErrorType.USER),
  UNSUPPORTED_MEDIA_TYPE(415, ErrorType.USER),
  RANGE_NOT_SATISFIABLE(416, ErrorType.USER),
  RATE_LIMITED(429, ErrorType.USER),
  COST_LIMIT_EXCEEDED(429, ErrorType.USER),
  QUOTA_EXCEEDED(429, ErrorType.USER),
  ACCOUNT_LOCKED(429, ErrorType.USER),
  PROVIDER_ERROR(502, ErrorType.EXTERNAL),
  PROVIDER_UNAVAILABLE(503, ErrorType.EXTERNAL),
  SERVICE_UNAVAILABLE(503, ErrorType.INTERNAL),
  TIMEOUT(504, ErrorType.INTERNAL),
  INTERNAL_ERROR(500, ErrorType.INTERNAL);

  private final int httpStatus;
  private final ErrorType type;

  ErrorCode(int httpStatus, ErrorType type) {
    this.httpStatus = httpStatus;
    this.type = type;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public ErrorType type() {
    return type;
  }

  /** The code as it appears in JSON: lowercase with underscores. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}

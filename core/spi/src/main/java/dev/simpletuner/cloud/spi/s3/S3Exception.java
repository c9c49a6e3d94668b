package dev.simpletuner.cloud.spi.s3;

/**
 * A failed S3 request: the HTTP status and S3's error code and message (external-apis.md 3.3).
 * Messages name what failed and S3's words, never credentials.
 */
public final class S3Exception extends RuntimeException {
  private final int status;
  private final String code;
  private final String s3Message;

  public S3Exception(int status, String code, String s3Message, String context) {
    super(context + ": " + describe(status, code, s3Message));
    this.status = status;
    this.code = code;
    this.s3Message = s3Message;
  }

  /** From an error answer; {@code body} may be empty (HEAD) or not XML (a proxy's page). */
  public static S3Exception from(int status, String statusMessage, String body, String context) {
    String code = S3Xml.first(body, "Code");
    String message = S3Xml.first(body, "Message");
    if (code == null && message == null) {
      message = statusMessage;
    }
    return new S3Exception(status, code, message, context);
  }

  public int status() {
    return status;
  }

  /** S3's error code, e.g. {@code SignatureDoesNotMatch}; null when the answer had none. */
  public String code() {
    return code;
  }

  public String s3Message() {
    return s3Message;
  }

  /** Throttling and server-side failures are worth another attempt; 4xx answers are not (except 429). */
  public boolean retryable() {
    return status >= 500 || status == 429 || "SlowDown".equals(code) || "InternalError".equals(code)
        || "RequestTimeout".equals(code) || "ServiceUnavailable".equals(code);
  }

  /** {@code <code>: <message>} as the user sees it. */
  public String summary() {
    return (code == null ? "HTTP " + status : code) + ": " + (s3Message == null ? "" : s3Message);
  }

  private static String describe(int status, String code, String message) {
    return (code == null ? "HTTP " + status : code + " (HTTP " + status + ")") + (message == null ? "" : ": " + message);
  }
}

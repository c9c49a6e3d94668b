package dev.simpletuner.cloud.server.notify;

/**
 * What one send attempt got: delivered or not, the receiver's status code when it answered, the
 * error in words, and whether trying again is pointless (the receiver refused the message itself).
 */
public record Outcome(boolean delivered, Integer statusCode, String error, long latencyMs, boolean permanent,
                      long retryAfterMs) {

  public Outcome(boolean delivered, Integer statusCode, String error, long latencyMs, boolean permanent) {
    this(delivered, statusCode, error, latencyMs, permanent, 0);
  }

  /** @param retryAfter the answer's {@code Retry-After} header (seconds), honoured on 429 and 503 */
  static Outcome ofStatus(int status, String body, long latencyMs, String retryAfter) {
    if (status >= 200 && status < 300) {
      return new Outcome(true, status, null, latencyMs, false);
    }
    long wait = 0;
    if ((status == 429 || status == 503) && retryAfter != null && retryAfter.strip().matches("\\d{1,6}")) {
      wait = Long.parseLong(retryAfter.strip()) * 1000;
    }
    String excerpt = body == null || body.isBlank() ? "" : ": " + (body.length() > 300 ? body.substring(0, 300)
        + "..." : body.strip());
    // 4xx other than 408 and 429 are answers about the message (bad payload, endpoint gone): retrying repeats them.
    boolean permanent = status >= 400 && status < 500 && status != 408 && status != 429;
    return new Outcome(false, status, "HTTP " + status + excerpt, latencyMs, permanent, wait);
  }

  static Outcome ofFailure(Throwable e, long latencyMs) {
    String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    if (e instanceof java.util.concurrent.TimeoutException || why.contains("timeout")) {
      why = "No answer in time (" + why + ")";
    }
    return new Outcome(false, null, why, latencyMs, false);
  }
}

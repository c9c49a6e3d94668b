package dev.simpletuner.cloud.delivery.huggingface;

/** A failure talking to the Hub; the message is shown to the user and never contains the token. */
final class HubException extends RuntimeException {
  private final int status;

  HubException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  /** The HTTP status the Hub answered with; 0 when it did not answer. */
  int status() {
    return status;
  }
}

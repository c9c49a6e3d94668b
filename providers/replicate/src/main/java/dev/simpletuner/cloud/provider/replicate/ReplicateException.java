package dev.simpletuner.cloud.provider.replicate;

import dev.simpletuner.cloud.spi.ProviderException;

/** Replicate answered with an error (RFC 7807 problem details) or could not be reached. */
final class ReplicateException extends ProviderException {
  private final int status;

  ReplicateException(int status, String message) {
    super(message, status == 0 || status == 429 || status >= 500);
    this.status = status;
  }

  /** HTTP status, or 0 when no answer arrived. */
  int status() {
    return status;
  }
}

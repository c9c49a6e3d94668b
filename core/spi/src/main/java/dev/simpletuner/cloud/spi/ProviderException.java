package dev.simpletuner.cloud.spi;

/**
 * A provider call failed. {@link #unavailable()} tells the host whether the provider itself is in
 * trouble (unreachable, 5xx, rate limited), which counts towards pausing calls to it, or whether
 * it refused this request (bad input, unknown job), which does not.
 */
public class ProviderException extends RuntimeException {
  private final boolean unavailable;

  public ProviderException(String message, boolean unavailable) {
    super(message, null, false, false);
    this.unavailable = unavailable;
  }

  public boolean unavailable() {
    return unavailable;
  }
}

package dev.simpletuner.cloud.spi;

/**
 * Result of checking a provider's credentials.
 *
 * @param valid    whether the provider accepted them
 * @param username account name when known
 * @param error    why not, in words; null when valid
 */
public record CredentialStatus(boolean valid, String username, String error) {

  public static CredentialStatus ok(String username) {
    return new CredentialStatus(true, username, null);
  }

  public static CredentialStatus invalid(String error) {
    return new CredentialStatus(false, null, error);
  }
}

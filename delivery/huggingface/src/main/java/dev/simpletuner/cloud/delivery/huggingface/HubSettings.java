package dev.simpletuner.cloud.delivery.huggingface;

import static dev.simpletuner.cloud.delivery.huggingface.HuggingFaceDeliveryFactory.*;

import java.util.Map;

/**
 * The target's settings read once per operation, so one delivery sees one consistent endpoint and
 * token even when an operator changes them meanwhile.
 */
record HubSettings(String token, String endpoint, boolean privateRepos, boolean tokenToProvider, long timeoutMs) {

  static HubSettings of(Map<String, String> s) {
    String token = s.get(TOKEN);
    token = token == null || token.isBlank() ? null : token.strip();
    String endpoint = s.getOrDefault(ENDPOINT, DEFAULT_ENDPOINT);
    endpoint = endpoint == null || endpoint.isBlank() ? DEFAULT_ENDPOINT : endpoint.strip();
    while (endpoint.endsWith("/")) {
      endpoint = endpoint.substring(0, endpoint.length() - 1);
    }
    long timeout;
    try {
      timeout = Math.max(1, Long.parseLong(s.getOrDefault(TIMEOUT_SECONDS, "120").strip())) * 1000;
    } catch (RuntimeException e) {
      timeout = 120_000;
    }
    return new HubSettings(token, endpoint, bool(s.get(PRIVATE), true), bool(s.get(TOKEN_TO_PROVIDER), false),
        timeout);
  }

  /** Accepts a JSON boolean or its text; anything else means {@code fallback}. */
  static boolean bool(Object value, boolean fallback) {
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String text && !text.isBlank()) {
      return switch (text.strip().toLowerCase()) {
        case "true", "1", "yes", "on" -> true;
        case "false", "0", "no", "off" -> false;
        default -> fallback;
      };
    }
    return fallback;
  }

  /** Never let the token reach a log or a message through a record's toString. */
  @Override
  public String toString() {
    return "HubSettings[endpoint=" + endpoint + ", token=" + (token == null ? "none" : "***") + "]";
  }
}

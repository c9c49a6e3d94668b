package dev.simpletuner.cloud.server.fleet;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Worker tokens: {@code wt_} and 256 random bits, shown once, kept as their SHA-256 (WORKERS.md). */
final class WorkerTokens {
  static final String PREFIX = "wt_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private WorkerTokens() {
  }

  static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String newId() {
    byte[] bytes = new byte[9];
    RANDOM.nextBytes(bytes);
    return "w_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).replace('-', 'x').replace('_', 'y');
  }
}

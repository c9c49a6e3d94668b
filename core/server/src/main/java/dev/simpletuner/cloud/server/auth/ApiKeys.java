package dev.simpletuner.cloud.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * API keys: {@code stk_} + 40 random base62 characters (238 bits). Only a SHA-256 of the key is
 * stored; with that much randomness a fast hash is safe, and it makes a lookup one index probe.
 */
public final class ApiKeys {
  public static final String PREFIX = "stk_";
  private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {
  }

  public static String generate() {
    StringBuilder key = new StringBuilder(PREFIX);
    for (int i = 0; i < 40; i++) {
      key.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return key.toString();
  }

  public static boolean looksLikeKey(String value) {
    return value != null && value.startsWith(PREFIX) && value.length() == PREFIX.length() + 40
        && value.substring(PREFIX.length()).chars().allMatch(c -> ALPHABET.indexOf(c) >= 0);
  }

  /** What the API shows of a key: enough to recognise it, useless to an attacker. */
  public static String displayPrefix(String key) {
    return key.substring(0, PREFIX.length() + 8);
  }

  public static String hash(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

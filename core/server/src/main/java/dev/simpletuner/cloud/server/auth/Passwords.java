package dev.simpletuner.cloud.server.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashing with PBKDF2-HMAC-SHA256 (OWASP's 600,000 iterations), salted per password.
 * Deliberately slow: call on a worker thread.
 */
public final class Passwords {
  static final int ITERATIONS = 600_000;
  public static final int MIN_LENGTH = 8;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Passwords() {
  }

  public static String hash(String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return "pbkdf2-sha256$" + ITERATIONS + "$" + Base64.getEncoder().encodeToString(salt) + "$"
        + Base64.getEncoder().encodeToString(derive(password, salt, ITERATIONS));
  }

  /** Stored for an account created without a password: it matches nothing. */
  public static final String NO_PASSWORD = "!";

  public static boolean verify(String password, String stored) {
    if (NO_PASSWORD.equals(stored)) {
      burn(password);
      return false;
    }
    String[] parts = stored == null ? new String[0] : stored.split("\\$");
    if (parts.length != 4 || !parts[0].equals("pbkdf2-sha256")) {
      return false;
    }
    byte[] expected = Base64.getDecoder().decode(parts[3]);
    byte[] actual = derive(password, Base64.getDecoder().decode(parts[2]), Integer.parseInt(parts[1]));
    return MessageDigest.isEqual(expected, actual);
  }

  /** Spends the same time as a real check, so a missing user cannot be told apart by timing. */
  public static void burn(String password) {
    derive(password, new byte[16], ITERATIONS);
  }

  private static byte[] derive(String password, byte[] salt, int iterations) {
    try {
      PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}

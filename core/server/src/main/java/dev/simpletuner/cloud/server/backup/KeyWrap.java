package dev.simpletuner.cloud.server.backup;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals the server's encryption key with a passphrase for a backup: PBKDF2-HMAC-SHA256 (the
 * iteration count OWASP gives for it) derives an AES-256-GCM key; the backup's id is the
 * associated data, so a sealed key cannot be moved into another backup's manifest.
 */
final class KeyWrap {
  static final int MIN_PASSPHRASE = 12;
  private static final int ITERATIONS = 600_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyWrap() {
  }

  static JsonObject seal(byte[] key, String passphrase, String backupId) {
    byte[] salt = random(16);
    byte[] iv = random(12);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, derive(passphrase, salt, ITERATIONS), new GCMParameterSpec(128, iv));
      cipher.updateAAD(backupId.getBytes(StandardCharsets.UTF_8));
      Base64.Encoder b64 = Base64.getEncoder();
      return new JsonObject().put("kdf", "PBKDF2WithHmacSHA256").put("iterations", ITERATIONS)
          .put("salt", b64.encodeToString(salt)).put("cipher", "AES-256-GCM").put("iv", b64.encodeToString(iv))
          .put("sealed_key", b64.encodeToString(cipher.doFinal(key)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The key; a wrong passphrase (or a changed file) is the caller's 400. */
  static byte[] open(JsonObject sealed, String passphrase, String backupId) {
    Base64.Decoder b64 = Base64.getDecoder();
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, derive(passphrase, b64.decode(sealed.getString("salt")),
          sealed.getInteger("iterations")), new GCMParameterSpec(128, b64.decode(sealed.getString("iv"))));
      cipher.updateAAD(backupId.getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(b64.decode(sealed.getString("sealed_key")));
    } catch (AEADBadTagException e) {
      throw new AppException(ErrorCode.INVALID_INPUT, "The passphrase does not open this backup's encryption key.",
          new JsonObject().put("field", "passphrase"));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new AppException(ErrorCode.INVALID_INPUT, "This backup's sealed key is unreadable: " + e.getMessage(),
          new JsonObject().put("field", "passphrase"));
    }
  }

  private static SecretKeySpec derive(String passphrase, byte[] salt, int iterations)
      throws GeneralSecurityException {
    PBEKeySpec spec = new PBEKeySpec(passphrase.toCharArray(), salt, iterations, 256);
    try {
      return new SecretKeySpec(SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec)
          .getEncoded(), "AES");
    } finally {
      spec.clearPassword();
    }
  }

  private static byte[] random(int n) {
    byte[] out = new byte[n];
    RANDOM.nextBytes(out);
    return out;
  }
}

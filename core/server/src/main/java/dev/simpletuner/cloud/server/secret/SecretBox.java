package dev.simpletuner.cloud.server.secret;

import dev.simpletuner.cloud.server.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts secrets at rest (provider tokens, S3 keys) with AES-256-GCM. The key is
 * {@code SIMPLETUNER_SECRET_KEY} (base64, 32 bytes; give every instance of a cluster the same one)
 * or the file {@code <state>/secret.key}, created owner-only on first start. Each value is bound to
 * the name it is stored under, so a ciphertext cannot be moved to another setting.
 */
public final class SecretBox {
  private static final String PREFIX = "enc:v1:";
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();

  private SecretBox(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
  }

  public static SecretBox open(Path stateDir, Map<String, String> env) {
    String fromEnv = env.get("SIMPLETUNER_SECRET_KEY");
    if (fromEnv != null && !fromEnv.isBlank()) {
      byte[] key = Base64.getDecoder().decode(fromEnv.strip());
      if (key.length != 32) {
        throw new ConfigException("SIMPLETUNER_SECRET_KEY must be 32 bytes, base64-encoded.");
      }
      return new SecretBox(key);
    }
    Path file = stateDir.resolve("secret.key");
    try {
      if (!Files.exists(file)) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        writeKeyFile(stateDir, key);
      }
      return new SecretBox(Base64.getDecoder().decode(Files.readString(file).strip()));
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("Cannot read or create the secret key " + file + ": " + e.getMessage(), e);
    }
  }

  /** A key for another purpose (e.g. "audit"), derived from this one so it needs no storage of its own. */
  public byte[] derive(String purpose) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(("simpletuner:" + purpose).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The key itself, for a backup that was asked to carry it (and then seals it with a passphrase).
   * Nothing else reads it.
   */
  public byte[] exportKey() {
    return key.getEncoded();
  }

  /** Names the key without revealing it, so a restore can tell whether a server has the same one. */
  public String fingerprint() {
    return java.util.HexFormat.of().formatHex(derive("key-fingerprint"), 0, 8);
  }

  /** Writes {@code key} as {@code <stateDir>/secret.key}, owner-only, as {@link #open} creates it. */
  public static void writeKeyFile(Path stateDir, byte[] key) throws IOException {
    Path file = stateDir.resolve("secret.key");
    Files.createFile(file);
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
    Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n", StandardCharsets.US_ASCII);
  }

  /** The fingerprint {@link #fingerprint()} gives for {@code key}. */
  public static String fingerprintOf(byte[] key) {
    return new SecretBox(key).fingerprint();
  }

  public static boolean isSealed(String value) {
    return value != null && value.startsWith(PREFIX);
  }

  public String seal(String name, String plaintext) {
    try {
      byte[] iv = new byte[IV_BYTES];
      random.nextBytes(iv);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
      cipher.updateAAD(name.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[iv.length + sealed.length];
      System.arraycopy(iv, 0, out, 0, iv.length);
      System.arraycopy(sealed, 0, out, iv.length, sealed.length);
      return PREFIX + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The plaintext, or null when the value was sealed under another key or name. */
  public String open(String name, String sealed) {
    if (!isSealed(sealed)) {
      return sealed;
    }
    try {
      byte[] in = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, IV_BYTES));
      cipher.updateAAD(name.getBytes(StandardCharsets.UTF_8));
      return new String(cipher.doFinal(in, IV_BYTES, in.length - IV_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return null;
    }
  }
}

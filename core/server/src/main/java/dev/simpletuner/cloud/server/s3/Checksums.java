package dev.simpletuner.cloud.server.s3;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/**
 * The digests computed while a body streams in: MD5 (the ETag), SHA-256 (our own record of every
 * file) and, when the client declared one, its flexible checksum (CRC32, CRC32C, CRC64NVME, SHA-1 or SHA-256)
 * to compare with what it sent.
 */
final class Checksums {
  private final MessageDigest md5 = digest("MD5");
  private final MessageDigest sha256;
  private final String algorithm;
  private final Checksum crc;
  private final MessageDigest sha1;
  private long size;

  /**
   * @param algorithm the declared checksum algorithm ({@code crc32}, {@code crc32c}, {@code sha1}, {@code sha256}) or null
   * @param sha256    whether to compute SHA-256 even when not declared (parts skip it: the whole file's is computed
   *                  when the upload completes)
   */
  Checksums(String algorithm, boolean sha256) {
    this.algorithm = algorithm == null ? null : algorithm.toLowerCase(Locale.ROOT);
    this.sha256 = sha256 || "sha256".equals(this.algorithm) ? digest("SHA-256") : null;
    this.crc = crc(this.algorithm == null ? "" : this.algorithm);
    this.sha1 = "sha1".equals(this.algorithm) ? digest("SHA-1") : null;
  }

  /** Adds the buffer's remaining bytes; its position is left as it was. */
  void update(ByteBuffer bytes) {
    size += bytes.remaining();
    md5.update(bytes.duplicate());
    if (sha256 != null) {
      sha256.update(bytes.duplicate());
    }
    if (crc != null) {
      if (bytes.hasArray()) {
        crc.update(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
      } else {
        crc.update(bytes.duplicate());
      }
    }
    if (sha1 != null) {
      sha1.update(bytes.duplicate());
    }
  }

  long size() {
    return size;
  }

  /** Finishes the digests; call once. */
  Result finish() {
    String declared = null;
    if (crc != null) {
      declared = encode(crc);
    }
    byte[] sha = sha256 == null ? null : sha256.digest();
    if (sha1 != null) {
      declared = Base64.getEncoder().encodeToString(sha1.digest());
    } else if ("sha256".equals(algorithm)) {
      declared = Base64.getEncoder().encodeToString(sha);
    }
    return new Result(size, md5.digest(), sha == null ? null : HexFormat.of().formatHex(sha), algorithm, declared);
  }

  /**
   * @param checksum base64 of the declared algorithm's value, or null when none was declared or the
   *                 algorithm is one this server does not compute
   */
  record Result(long size, byte[] md5, String sha256Hex, String algorithm, String checksum) {
    String md5Hex() {
      return HexFormat.of().formatHex(md5);
    }
  }

  /** A fresh CRC of the algorithm ({@code crc32}, {@code crc32c}, {@code crc64nvme}); null for the others. */
  static Checksum crc(String algorithm) {
    return switch (algorithm) {
      case "crc32" -> new CRC32();
      case "crc32c" -> new CRC32C();
      case "crc64nvme" -> new Crc64Nvme();
      default -> null;
    };
  }

  /** A CRC's value as S3 sends it: base64 of its big-endian bytes (4, or 8 for CRC64NVME). */
  static String encode(Checksum crc) {
    long v = crc.getValue();
    int bytes = crc instanceof Crc64Nvme ? 8 : 4;
    byte[] out = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      out[i] = (byte) (v >>> (8 * (bytes - 1 - i)));
    }
    return Base64.getEncoder().encodeToString(out);
  }

  private static MessageDigest digest(String name) {
    try {
      return MessageDigest.getInstance(name);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

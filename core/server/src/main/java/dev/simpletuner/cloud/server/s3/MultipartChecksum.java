package dev.simpletuner.cloud.server.s3;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.Checksum;

/**
 * The checksum a multipart upload was created with ({@code x-amz-checksum-algorithm}, and
 * {@code x-amz-checksum-type}) and how its object's checksum is made from it: COMPOSITE is the
 * algorithm over the parts' own checksums, joined, with {@code -<part count>}; FULL_OBJECT (the CRCs
 * only) is the CRC of the whole object, as if it had been sent in one piece. S3 defaults CRC64NVME
 * to FULL_OBJECT and the others to COMPOSITE.
 *
 * @param algorithm lower case, as in the {@code x-amz-checksum-<algorithm>} headers
 * @param type      {@code COMPOSITE} or {@code FULL_OBJECT}
 */
record MultipartChecksum(String algorithm, String type) {
  static final String COMPOSITE = "COMPOSITE";
  static final String FULL_OBJECT = "FULL_OBJECT";
  private static final Set<String> ALGORITHMS = Set.of("crc32", "crc32c", "crc64nvme", "sha1", "sha256");

  /** What a CreateMultipartUpload asks for; null when it names no algorithm. */
  static MultipartChecksum of(MultiMap headers) {
    String algorithm = headers.get("x-amz-checksum-algorithm");
    String type = headers.get("x-amz-checksum-type");
    if (algorithm == null || algorithm.isBlank()) {
      if (type != null && !type.isBlank()) {
        throw S3Exception.invalidRequest("x-amz-checksum-type needs an x-amz-checksum-algorithm.");
      }
      return null;
    }
    String alg = algorithm.strip().toLowerCase(Locale.ROOT);
    if (!ALGORITHMS.contains(alg)) {
      throw S3Exception.invalidRequest("Checksum algorithm " + algorithm.strip() + " is not one of CRC32, CRC32C, "
          + "CRC64NVME, SHA1 and SHA256.");
    }
    String kind = type == null || type.isBlank() ? ("crc64nvme".equals(alg) ? FULL_OBJECT : COMPOSITE)
        : type.strip().toUpperCase(Locale.ROOT);
    if (!kind.equals(COMPOSITE) && !kind.equals(FULL_OBJECT)) {
      throw S3Exception.invalidRequest("Checksum type " + type.strip() + " is not COMPOSITE or FULL_OBJECT.");
    }
    boolean allowed = switch (alg) {
      case "sha1", "sha256" -> kind.equals(COMPOSITE);
      case "crc64nvme" -> kind.equals(FULL_OBJECT);
      default -> true;
    };
    if (!allowed) {
      throw S3Exception.invalidRequest("The " + kind + " checksum type is not supported for the "
          + alg.toUpperCase(Locale.ROOT) + " algorithm.");
    }
    return new MultipartChecksum(alg, kind);
  }

  static MultipartChecksum from(JsonObject json) {
    return json == null ? null : new MultipartChecksum(json.getString("algorithm"), json.getString("type"));
  }

  JsonObject toJson() {
    return new JsonObject().put("algorithm", algorithm).put("type", type);
  }

  /** The algorithm as S3 names it in headers' values and XML element names: {@code SHA256}. */
  String wireName() {
    return algorithm.toUpperCase(Locale.ROOT);
  }

  boolean composite() {
    return COMPOSITE.equals(type);
  }

  /** The object's checksum made from its parts' checksums (base64 each), for a COMPOSITE upload. */
  String composite(List<String> partChecksums) {
    Checksum crc = Checksums.crc(algorithm);
    MessageDigest digest = crc != null ? null : digest(algorithm);
    for (String part : partChecksums) {
      byte[] raw = Base64.getDecoder().decode(part);
      if (crc != null) {
        crc.update(raw, 0, raw.length);
      } else {
        digest.update(raw);
      }
    }
    return (crc != null ? Checksums.encode(crc) : Base64.getEncoder().encodeToString(digest.digest())) + "-"
        + partChecksums.size();
  }

  /** A running CRC of a FULL_OBJECT upload's bytes (encoded with {@link Checksums#encode}). */
  Checksum fullObjectCrc() {
    return Checksums.crc(algorithm);
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance("sha1".equals(algorithm) ? "SHA-1" : "SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

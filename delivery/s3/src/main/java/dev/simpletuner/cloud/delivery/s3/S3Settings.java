package dev.simpletuner.cloud.delivery.s3;

import static dev.simpletuner.cloud.delivery.s3.S3DeliveryFactory.*;

import dev.simpletuner.cloud.spi.s3.S3Target;
import dev.simpletuner.cloud.spi.s3.SigV4;
import java.net.URI;
import java.util.Locale;
import java.util.Map;

/**
 * One snapshot of the target's settings, read when a call starts (settings can change between
 * calls), and the URLs they imply.
 */
record S3Settings(URI endpoint, String bucket, String region, SigV4.Credentials credentials, String prefix,
                  boolean virtualHost, boolean trainerMode, long thresholdBytes, long partSizeBytes, int parallelParts,
                  long timeoutMs) implements S3Target {
  static final long MIB = 1024L * 1024;
  /** S3's smallest part (except the last). */
  static final long MIN_PART = 5 * MIB;

  static S3Settings from(Map<String, String> s) {
    String region = text(s.get(REGION), "us-east-1");
    String endpointText = text(s.get(ENDPOINT_URL), "https://s3." + region + ".amazonaws.com");
    URI endpoint = URI.create(endpointText.endsWith("/") ? endpointText.substring(0, endpointText.length() - 1)
        : endpointText);
    String bucket = text(s.get(BUCKET), null);
    String addressing = text(s.get(ADDRESSING), "auto").toLowerCase(Locale.ROOT);
    boolean virtual = switch (addressing) {
      case "virtual" -> true;
      case "path" -> false;
      // Dotted bucket names break TLS certificates in virtual-host style, so they stay path-style.
      default -> endpoint.getHost() != null && endpoint.getHost().endsWith("amazonaws.com") && bucket != null
          && !bucket.contains(".");
    };
    return new S3Settings(endpoint, bucket, region,
        new SigV4.Credentials(text(s.get(ACCESS_KEY), null), text(s.get(SECRET_KEY), null)),
        normalizePrefix(s.getOrDefault(PREFIX, "simpletuner/")), virtual,
        "trainer".equalsIgnoreCase(text(s.get(MODE), "server")),
        integer(s.get(MULTIPART_THRESHOLD_MB), 64) * MIB,
        Math.max(MIN_PART, integer(s.get(PART_SIZE_MB), 16) * MIB),
        (int) Math.max(1, integer(s.get(PARALLEL_PARTS), 4)),
        Math.max(1, integer(s.get(REQUEST_TIMEOUT_SECONDS), 300)) * 1000);
  }

  /** What is missing before anything can be sent, as a sentence; null when complete. */
  String missing() {
    if (bucket == null) {
      return "The S3 delivery target has no bucket: set \"bucket\" in its settings.";
    }
    if (credentials.accessKey() == null || credentials.secretKey() == null) {
      return "The S3 delivery target has no credentials: set \"access_key\" and \"secret_key\" in its settings.";
    }
    return null;
  }

  /** A prefix ends with '/' unless empty, and never starts with one, so keys read {@code prefix/job/file}. */
  static String normalizePrefix(String prefix) {
    String p = prefix == null ? "" : prefix.strip();
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    return p.isEmpty() || p.endsWith("/") ? p : p + "/";
  }

  boolean https() {
    return "https".equalsIgnoreCase(endpoint.getScheme());
  }

  private static String text(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value.strip();
  }

  private static long integer(String value, long fallback) {
    try {
      return value == null || value.isBlank() ? fallback : Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  @Override
  public String toString() {
    return "S3Settings[" + endpoint + ", bucket " + bucket + ", secret hidden]";
  }
}

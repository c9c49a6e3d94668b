package dev.simpletuner.cloud.spi.s3;

import java.net.URI;

/**
 * Where {@link S3Client} sends a request: an endpoint, a bucket in it, how the bucket is addressed
 * and the credentials that sign. Implementations keep the secret out of {@code toString()}.
 */
public interface S3Target {
  /** Scheme, host, port and an optional base path (a store behind a reverse proxy); no trailing '/'. */
  URI endpoint();

  String bucket();

  String region();

  SigV4.Credentials credentials();

  /** Virtual-host addressing ({@code bucket.host}), else path style ({@code host/bucket}). */
  boolean virtualHost();

  /** How long a request may stay silent before it fails. */
  long timeoutMs();

  /** The object's URL; {@code rawQuery} is already encoded (or null). */
  default URI objectUri(String key, String rawQuery) {
    URI endpoint = endpoint();
    String path = SigV4.encodePath(key);
    String basePath = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
    String base;
    if (virtualHost()) {
      String authority = bucket() + "." + endpoint.getHost() + (endpoint.getPort() < 0 ? "" : ":" + endpoint.getPort());
      base = endpoint.getScheme() + "://" + authority + basePath + "/" + path;
    } else {
      base = endpoint.getScheme() + "://" + endpoint.getRawAuthority() + basePath + "/" + SigV4.encode(bucket()) + "/"
          + path;
    }
    return URI.create(rawQuery == null || rawQuery.isEmpty() ? base : base + "?" + rawQuery);
  }

  /** {@code s3://bucket/key}, how the user sees a location. */
  default String s3Url(String key) {
    return "s3://" + bucket() + "/" + key;
  }
}

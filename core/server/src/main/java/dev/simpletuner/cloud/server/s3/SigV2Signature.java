package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.spi.s3.SigV4;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a Signature Version 2 request signs ("Signing and Authenticating REST Requests" of the S3
 * guide) and the check of its HMAC-SHA1, shared by the Authorization header ({@link SigV2Header})
 * and presigned URLs ({@link SigV2Presigned}); they differ only in where the key, signature and
 * time come from.
 */
final class SigV2Signature {
  /** The query parameters that are part of the signed resource: S3's list and those boto3's signer adds. */
  private static final Set<String> SUBRESOURCES = Set.of("accelerate", "acl", "analytics", "attributes", "cors",
      "delete", "inventory", "lifecycle", "location", "logging", "metrics", "notification", "object-lock",
      "partNumber", "policy", "replication", "requestPayment", "restore", "select", "select-type", "tagging",
      "torrent", "uploadId", "uploads", "versionId", "versioning", "versions", "website", "response-content-type",
      "response-content-language", "response-expires", "response-cache-control", "response-content-disposition",
      "response-content-encoding");

  private final JobTokens tokens;
  private final String base;

  /** @param base the path S3 is served below ("" at the root of the S3 port) */
  SigV2Signature(JobTokens tokens, String base) {
    this.tokens = tokens;
    this.base = base;
  }

  /**
   * Checks {@code presented} against the request signed by the secret of {@code accessKeyId}.
   *
   * @param query the request's decoded query
   * @param timeLine the Date line: the Date header, Expires of a presigned URL, or empty when
   *                 x-amz-date (then among the signed x-amz-* headers) carries the time
   */
  StorageAuth.Grant verify(HttpServerRequest request, List<Map.Entry<String, String>> query, String timeLine,
                           String accessKeyId, String presented) {
    JobTokens.StorageKey key = JobTokens.parseAccessKey(accessKeyId);
    if (key == null) {
      throw S3Exception.invalidAccessKeyId();
    }
    String secret = tokens.secretOf(key);
    boolean matched = false;
    for (String resource : resources(request.path())) {
      String expected = sign(secret, stringToSign(request, resource, query, timeLine));
      matched |= MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
          presented.getBytes(StandardCharsets.US_ASCII));
    }
    if (!matched) {
      throw S3Exception.signatureMismatch();
    }
    // The body is not signed in SigV2: it is taken as SigV4's unsigned payload (Content-MD5 and
    // flexible checksums are still checked by BodyReceiver).
    return new StorageAuth.Grant(key.jobId(), key.kind(), null, null, null, null, SigV4.UNSIGNED_PAYLOAD);
  }

  /**
   * The paths clients sign for one request, all naming the same resource: the path as sent, and
   * /bucket/key without the base path, a bare bucket as "/bucket/" (boto3 signs that whatever its
   * endpoint's path).
   */
  private Set<String> resources(String path) {
    Set<String> out = new LinkedHashSet<>(List.of(path));
    String rest = path.substring(Math.min(base.length(), path.length()));
    if (rest.length() > 1) {
      out.add(rest.indexOf('/', 1) < 0 ? rest + "/" : rest);
    }
    return out;
  }

  private static String stringToSign(HttpServerRequest request, String resource,
                                     List<Map.Entry<String, String>> query, String timeLine) {
    StringBuilder b = new StringBuilder(request.method().name()).append('\n')
        .append(value(request, "Content-MD5")).append('\n')
        .append(value(request, "Content-Type")).append('\n')
        .append(timeLine).append('\n');
    Map<String, String> amz = new TreeMap<>();
    request.headers().forEach(h -> {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith("x-amz-")) {
        amz.merge(name, h.getValue().strip(), (a, c) -> a + "," + c);
      }
    });
    amz.forEach((name, value) -> b.append(name).append(':').append(value).append('\n'));
    b.append(resource);
    Map<String, String> sorted = new TreeMap<>();
    query.forEach(p -> sorted.putIfAbsent(p.getKey(), p.getValue()));
    char separator = '?';
    for (Map.Entry<String, String> p : sorted.entrySet()) {
      if (SUBRESOURCES.contains(p.getKey())) {
        b.append(separator).append(p.getKey());
        if (p.getValue() != null && !p.getValue().isEmpty()) {
          b.append('=').append(p.getValue());
        }
        separator = '&';
      }
    }
    return b.toString();
  }

  private static String value(HttpServerRequest request, String header) {
    String v = request.getHeader(header);
    return v == null ? "" : v.strip();
  }

  private static String sign(String secret, String stringToSign) {
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}

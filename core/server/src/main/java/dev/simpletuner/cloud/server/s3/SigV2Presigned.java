package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.spi.s3.SigV4;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Presigned GET/HEAD URLs in Signature Version 2 ({@code AWSAccessKeyId}, {@code Expires},
 * {@code Signature}: "Query string request authentication alternative" of the S3 REST
 * authentication guide), what boto3 and {@code aws s3 presign} make by default for a custom
 * endpoint. HMAC-SHA1 over verb, Content-MD5, Content-Type, Expires, the {@code x-amz-*} headers
 * and the resource (the path as sent, with the sub-resources of the query).
 */
final class SigV2Presigned {
  private static final long MAX_PRESIGN_SECONDS = 604_800;
  /** The query parameters that are part of the signed resource. */
  private static final Set<String> SUBRESOURCES = Set.of("acl", "attributes", "delete", "location", "partNumber",
      "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning", "versions", "response-content-type",
      "response-content-language", "response-expires", "response-cache-control", "response-content-disposition",
      "response-content-encoding");

  private SigV2Presigned() {
  }

  static StorageAuth.Grant verify(HttpServerRequest request, List<Map.Entry<String, String>> query, Instant now,
                                  JobTokens tokens) {
    Map<String, String> q = new TreeMap<>();
    query.forEach(p -> q.putIfAbsent(p.getKey(), p.getValue()));
    String accessKey = q.get("AWSAccessKeyId");
    String expiresText = q.get("Expires");
    if (accessKey == null || expiresText == null) {
      throw new S3Exception(403, "AccessDenied", "Query-string authentication requires the Signature, Expires and "
          + "AWSAccessKeyId parameters");
    }
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      throw new S3Exception(400, "InvalidRequest", "Signature Version 2 is accepted for presigned GET URLs only. "
          + "Please use AWS4-HMAC-SHA256.");
    }
    long expires;
    try {
      expires = Long.parseLong(expiresText);
    } catch (NumberFormatException e) {
      throw new S3Exception(403, "AccessDenied", "Invalid date (should be seconds since epoch): " + expiresText);
    }
    if (now.getEpochSecond() > expires) {
      throw S3Exception.accessDenied("Request has expired");
    }
    if (expires - now.getEpochSecond() > MAX_PRESIGN_SECONDS) {
      throw new S3Exception(400, "AuthorizationQueryParametersError", "The expiry of a presigned URL must be at "
          + "most 604800 seconds ahead.");
    }
    JobTokens.StorageKey key = JobTokens.parseAccessKey(accessKey);
    if (key == null) {
      throw new S3Exception(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our "
          + "records.");
    }
    String expected = sign(tokens.secretOf(key), stringToSign(request, q, expiresText));
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        q.get("Signature").getBytes(StandardCharsets.US_ASCII))) {
      throw S3Exception.signatureMismatch();
    }
    return new StorageAuth.Grant(key.jobId(), key.kind(), null, null, null, null, SigV4.UNSIGNED_PAYLOAD);
  }

  private static String stringToSign(HttpServerRequest request, Map<String, String> query, String expires) {
    StringBuilder b = new StringBuilder(request.method().name()).append('\n')
        .append(value(request, "Content-MD5")).append('\n')
        .append(value(request, "Content-Type")).append('\n')
        .append(expires).append('\n');
    Map<String, String> amz = new TreeMap<>();
    request.headers().forEach(h -> {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith("x-amz-")) {
        amz.merge(name, h.getValue().strip(), (a, c) -> a + "," + c);
      }
    });
    amz.forEach((name, value) -> b.append(name).append(':').append(value).append('\n'));
    b.append(request.path());
    char separator = '?';
    for (Map.Entry<String, String> p : query.entrySet()) {
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

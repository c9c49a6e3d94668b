package dev.simpletuner.cloud.server.s3;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Presigned GET/HEAD URLs in Signature Version 2 ({@code AWSAccessKeyId}, {@code Expires},
 * {@code Signature}: "Query string request authentication alternative" of the S3 REST
 * authentication guide), what boto3 and {@code aws s3 presign} make by default for a custom
 * endpoint. Expires takes the place of the Date in what is signed ({@link SigV2Signature}).
 */
final class SigV2Presigned {
  private static final long MAX_PRESIGN_SECONDS = 604_800;

  private SigV2Presigned() {
  }

  static StorageAuth.Grant verify(HttpServerRequest request, List<Map.Entry<String, String>> query, Instant now,
                                  SigV2Signature signature) {
    Map<String, String> q = new HashMap<>();
    query.forEach(p -> q.putIfAbsent(p.getKey(), p.getValue()));
    String accessKey = q.get("AWSAccessKeyId");
    String expiresText = q.get("Expires");
    if (accessKey == null || expiresText == null) {
      throw new S3Exception(403, "AccessDenied", "Query-string authentication requires the Signature, Expires and "
          + "AWSAccessKeyId parameters");
    }
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      throw new S3Exception(400, "InvalidRequest", "Presigned Signature Version 2 URLs are accepted for GET and "
          + "HEAD only. Please use AWS4-HMAC-SHA256.");
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
    return signature.verify(request, query, expiresText, accessKey, q.get("Signature"));
  }
}

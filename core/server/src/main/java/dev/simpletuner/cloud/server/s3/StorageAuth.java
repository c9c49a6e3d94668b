package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.spi.s3.SigV4;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks AWS Signature Version 4 on storage requests, in the Authorization header or a presigned
 * URL (external-apis.md 3.4, 3.5), and Signature Version 2 in either ({@link SigV2Header},
 * {@link SigV2Presigned}), against the per-job credentials {@link JobTokens} derives; the access
 * key id says which of a job's two kinds signed (the secret differs with the kind).
 */
final class StorageAuth {
  private static final Duration MAX_SKEW = Duration.ofMinutes(15);
  private static final long MAX_PRESIGN_SECONDS = 604_800;

  private final JobTokens tokens;
  private final SigV2Signature sigV2;

  /** @param base the path S3 is served below ("" at the root of the S3 port) */
  StorageAuth(JobTokens tokens, String base) {
    this.tokens = tokens;
    this.sigV2 = new SigV2Signature(tokens, base);
  }

  /**
   * Who signed a request, and what chunked bodies are checked with.
   *
   * @param payloadHash the declared {@code x-amz-content-sha256} (or UNSIGNED-PAYLOAD for presigned URLs)
   */
  record Grant(String jobId, JobTokens.StorageKind kind, String amzDate, String region, String seedSignature,
               byte[] signingKey, String payloadHash) {
  }

  Grant verify(HttpServerRequest request, Instant now) {
    String header = request.getHeader("Authorization");
    List<Map.Entry<String, String>> query = SigV4.decodeQuery(request.query());
    if (header != null) {
      return verifyHeader(request, header, query, now);
    }
    if (query.stream().anyMatch(p -> p.getKey().equals("X-Amz-Signature"))) {
      return verifyPresigned(request, query, now);
    }
    if (query.stream().anyMatch(p -> p.getKey().equals("Signature"))) {
      return SigV2Presigned.verify(request, query, now, sigV2);
    }
    throw S3Exception.accessDenied("Access Denied: sign requests with the job's storage credentials (AWS SigV4).");
  }

  private Grant verifyHeader(HttpServerRequest request, String header, List<Map.Entry<String, String>> query,
                             Instant now) {
    if (header.startsWith(SigV2Header.PREFIX)) {
      return SigV2Header.verify(request, header, query, now, sigV2);
    }
    if (!header.startsWith(SigV4.ALGORITHM + " ")) {
      throw new S3Exception(400, "InvalidRequest", "The authorization mechanism you have provided is not supported. "
          + "Please use AWS4-HMAC-SHA256.");
    }
    Map<String, String> fields = new HashMap<>();
    for (String part : header.substring(SigV4.ALGORITHM.length() + 1).split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        fields.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
      }
    }
    String credential = fields.get("Credential");
    String signedHeaders = fields.get("SignedHeaders");
    String signature = fields.get("Signature");
    if (credential == null || signedHeaders == null || signature == null) {
      throw new S3Exception(400, "AuthorizationHeaderMalformed", "The authorization header is malformed.");
    }
    String amzDate = request.getHeader("x-amz-date");
    if (amzDate == null) {
      throw new S3Exception(400, "AuthorizationHeaderMalformed", "The x-amz-date header is missing.");
    }
    String payloadHash = request.getHeader("x-amz-content-sha256");
    if (payloadHash == null) {
      throw new S3Exception(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256.");
    }
    Scope scope = scope(credential, amzDate);
    checkRequestTime(parse(amzDate), now);
    return checkAny(request, SigV4.canonicalQuery(query), signedHeaders, payloadHash, scope, amzDate, signature);
  }

  /** A signed request time more than 15 minutes from the server's is refused (S3's replay window). */
  static void checkRequestTime(Instant at, Instant now) {
    if (Duration.between(at, now).abs().compareTo(MAX_SKEW) > 0) {
      throw new S3Exception(403, "RequestTimeTooSkewed", "The difference between the request time and the current "
          + "time is too large.");
    }
  }

  /**
   * Checks the signature against the canonical forms clients sign. S3 signs the decoded path
   * encoded once with '/' kept (the AWS SDK for Java sends a key's "//" as "/%2F" and signs "//");
   * clients that sign the path segment by segment as sent are taken too. Header bytes arrive one
   * char per byte: a client that sent and signed UTF-8 (non-ASCII user metadata) signed the decoded text.
   */
  private Grant checkAny(HttpServerRequest request, String canonicalQuery, String signedHeaders, String payloadHash,
                         Scope scope, String amzDate, String signature) {
    S3Exception mismatch = null;
    for (String uri : new java.util.LinkedHashSet<>(List.of(SigV4.encodePath(SigV4.percentDecode(request.path())),
        SigV4.canonicalUri(request.path())))) {
      for (boolean utf8 : new boolean[] {false, true}) {
        String canonical = SigV4.canonicalRequest(request.method().name(), uri, canonicalQuery,
            headers(request, signedHeaders, utf8), signedHeaders, payloadHash);
        try {
          return check(scope, amzDate, canonical, signature, payloadHash);
        } catch (S3Exception e) {
          mismatch = e;
        }
      }
    }
    throw mismatch;
  }

  private Grant verifyPresigned(HttpServerRequest request, List<Map.Entry<String, String>> query, Instant now) {
    Map<String, String> q = new HashMap<>();
    List<Map.Entry<String, String>> signedQuery = new ArrayList<>();
    for (Map.Entry<String, String> p : query) {
      q.putIfAbsent(p.getKey(), p.getValue());
      if (!p.getKey().equals("X-Amz-Signature")) {
        signedQuery.add(p);
      }
    }
    if (!SigV4.ALGORITHM.equals(q.get("X-Amz-Algorithm")) || q.get("X-Amz-Credential") == null
        || q.get("X-Amz-Date") == null || q.get("X-Amz-SignedHeaders") == null || q.get("X-Amz-Expires") == null) {
      throw new S3Exception(400, "AuthorizationQueryParametersError", "The presigned URL is missing parameters.");
    }
    String amzDate = q.get("X-Amz-Date");
    Scope scope = scope(q.get("X-Amz-Credential"), amzDate);
    long expires;
    try {
      expires = Long.parseLong(q.get("X-Amz-Expires"));
    } catch (NumberFormatException e) {
      expires = -1;
    }
    if (expires < 1 || expires > MAX_PRESIGN_SECONDS) {
      throw new S3Exception(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be 1 to 604800 seconds.");
    }
    Instant at = parse(amzDate);
    if (now.isAfter(at.plusSeconds(expires))) {
      throw S3Exception.accessDenied("Request has expired");
    }
    if (at.minus(MAX_SKEW).isAfter(now)) {
      throw S3Exception.accessDenied("Request is not valid yet");
    }
    String signedHeaders = q.get("X-Amz-SignedHeaders");
    String payloadHash = request.getHeader("x-amz-content-sha256") != null
        ? request.getHeader("x-amz-content-sha256") : SigV4.UNSIGNED_PAYLOAD;
    return checkAny(request, SigV4.canonicalQuery(signedQuery), signedHeaders, payloadHash, scope, amzDate,
        q.get("X-Amz-Signature"));
  }

  private record Scope(JobTokens.StorageKey key, String region) {
  }

  private static Scope scope(String credential, String amzDate) {
    String[] parts = credential.split("/");
    if (parts.length != 5 || !"s3".equals(parts[3]) || !"aws4_request".equals(parts[4])) {
      throw new S3Exception(400, "AuthorizationHeaderMalformed", "The credential scope is malformed: expected "
          + "<key>/<yyyymmdd>/<region>/s3/aws4_request.");
    }
    if (amzDate.length() < 8 || !parts[1].equals(amzDate.substring(0, 8))) {
      throw new S3Exception(400, "AuthorizationHeaderMalformed", "The credential date does not match x-amz-date.");
    }
    JobTokens.StorageKey key = JobTokens.parseAccessKey(parts[0]);
    if (key == null) {
      throw S3Exception.invalidAccessKeyId();
    }
    return new Scope(key, parts[2]);
  }

  private Grant check(Scope scope, String amzDate, String canonical, String presented, String payloadHash) {
    byte[] key = SigV4.signingKey(tokens.secretOf(scope.key()), amzDate, scope.region());
    String stringToSign = SigV4.ALGORITHM + "\n" + amzDate + "\n" + SigV4.scope(amzDate, scope.region()) + "\n"
        + SigV4.sha256Hex(canonical.getBytes(StandardCharsets.UTF_8));
    String expected = SigV4.hmacHex(key, stringToSign);
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        presented.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
      throw S3Exception.signatureMismatch();
    }
    return new Grant(scope.key().jobId(), scope.key().kind(), amzDate, scope.region(), expected, key, payloadHash);
  }

  private static Map<String, String> headers(HttpServerRequest request, String signedHeaders, boolean utf8) {
    Map<String, String> out = new HashMap<>();
    for (String name : signedHeaders.split(";")) {
      List<String> values = request.headers().getAll(name);
      if (values.isEmpty() && name.equals("host") && request.authority() != null) {
        // HTTP/2 (also after an h2c upgrade, Java's HttpClient's default) carries the host as :authority.
        values = List.of(request.authority().toString());
      }
      if (values.isEmpty()) {
        throw S3Exception.signatureMismatch();
      }
      String value = String.join(",", values);
      out.put(name, utf8 ? StoredHeaders.utf8(value) : value);
    }
    return out;
  }

  private static Instant parse(String amzDate) {
    try {
      return Instant.from(SigV4.AMZ_DATE.parse(amzDate));
    } catch (DateTimeParseException e) {
      throw new S3Exception(403, "AccessDenied", "x-amz-date is not a valid date (yyyyMMdd'T'HHmmss'Z').");
    }
  }
}

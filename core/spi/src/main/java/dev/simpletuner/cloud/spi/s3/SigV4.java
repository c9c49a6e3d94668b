package dev.simpletuner.cloud.spi.s3;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for S3 (external-apis.md 3.4, 3.5): signs requests and presigned URLs for
 * plugins that talk to S3-compatible stores, and is what the host uses to check the signatures its
 * own storage endpoint receives, so both sides canonicalise the same way.
 */
public final class SigV4 {
  public static final String ALGORITHM = "AWS4-HMAC-SHA256";
  public static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
  public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  public static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
      .withZone(ZoneOffset.UTC);
  private static final HexFormat HEX = HexFormat.of();

  private SigV4() {
  }

  /** An access key id and its secret. */
  public record Credentials(String accessKey, String secretKey) {
    @Override
    public String toString() {
      return "Credentials[" + accessKey + ", secret hidden]";
    }
  }

  /**
   * Headers to add to a request: {@code x-amz-date}, {@code x-amz-content-sha256} and
   * {@code Authorization}. {@code headers} are the other headers to sign (e.g. {@code content-md5});
   * {@code host} is taken from the URL.
   *
   * @param payloadHash hex SHA-256 of the body, or {@link #UNSIGNED_PAYLOAD}
   */
  public static Map<String, String> sign(String method, URI url, Map<String, String> headers, String payloadHash,
                                         Credentials credentials, String region, Instant now) {
    String amzDate = AMZ_DATE.format(now);
    Map<String, String> signed = new TreeMap<>();
    headers.forEach((k, v) -> signed.put(k.toLowerCase(Locale.ROOT), v));
    signed.put("host", hostHeader(url));
    signed.put("x-amz-date", amzDate);
    signed.put("x-amz-content-sha256", payloadHash);
    String names = String.join(";", signed.keySet());
    String canonical = canonicalRequest(method, canonicalUri(url.getRawPath()),
        canonicalQuery(decodeQuery(url.getRawQuery())), signed, names, payloadHash);
    String scope = scope(amzDate, region);
    String signature = signature(credentials.secretKey(), amzDate, region, canonical);
    Map<String, String> out = new LinkedHashMap<>();
    out.put("x-amz-date", amzDate);
    out.put("x-amz-content-sha256", payloadHash);
    out.put("Authorization", ALGORITHM + " Credential=" + credentials.accessKey() + "/" + scope
        + ", SignedHeaders=" + names + ", Signature=" + signature);
    return out;
  }

  /** A presigned URL (query auth, payload unsigned, only {@code host} signed). */
  public static URI presign(String method, URI url, Credentials credentials, String region, Instant now,
                            long expiresSeconds) {
    String amzDate = AMZ_DATE.format(now);
    List<Map.Entry<String, String>> params = new ArrayList<>(decodeQuery(url.getRawQuery()));
    params.add(Map.entry("X-Amz-Algorithm", ALGORITHM));
    params.add(Map.entry("X-Amz-Credential", credentials.accessKey() + "/" + scope(amzDate, region)));
    params.add(Map.entry("X-Amz-Date", amzDate));
    params.add(Map.entry("X-Amz-Expires", String.valueOf(expiresSeconds)));
    params.add(Map.entry("X-Amz-SignedHeaders", "host"));
    String query = canonicalQuery(params);
    String canonical = canonicalRequest(method, canonicalUri(url.getRawPath()), query,
        Map.of("host", hostHeader(url)), "host", UNSIGNED_PAYLOAD);
    String signature = signature(credentials.secretKey(), amzDate, region, canonical);
    String base = url.getScheme() + "://" + url.getRawAuthority() + (url.getRawPath() == null ? "" : url.getRawPath());
    return URI.create(base + "?" + query + "&X-Amz-Signature=" + signature);
  }

  /** {@code yyyymmdd/region/s3/aws4_request}. */
  public static String scope(String amzDate, String region) {
    return amzDate.substring(0, 8) + "/" + region + "/s3/aws4_request";
  }

  /** The hex signature of a canonical request. */
  public static String signature(String secretKey, String amzDate, String region, String canonicalRequest) {
    String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + scope(amzDate, region) + "\n"
        + sha256Hex(canonicalRequest.getBytes(StandardCharsets.UTF_8));
    return hmacHex(signingKey(secretKey, amzDate, region), stringToSign);
  }

  /** The day's signing key (also what chunk signatures of streaming uploads are made with). */
  public static byte[] signingKey(String secretKey, String amzDate, String region) {
    byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), amzDate.substring(0, 8));
    key = hmac(key, region);
    key = hmac(key, "s3");
    return hmac(key, "aws4_request");
  }

  public static String hmacHex(byte[] key, String data) {
    return HEX.formatHex(hmac(key, data));
  }

  /**
   * Method, URI, query, headers (lower-case names mapped to values; only those in
   * {@code signedHeaders} are used), the signed header list and the payload hash.
   */
  public static String canonicalRequest(String method, String canonicalUri, String canonicalQuery,
                                        Map<String, String> headers, String signedHeaders, String payloadHash) {
    StringBuilder b = new StringBuilder(256).append(method).append('\n').append(canonicalUri).append('\n')
        .append(canonicalQuery).append('\n');
    for (String name : signedHeaders.split(";")) {
      String value = headers.get(name);
      b.append(name).append(':').append(value == null ? "" : value.strip().replaceAll(" +", " ")).append('\n');
    }
    return b.append('\n').append(signedHeaders).append('\n').append(payloadHash).toString();
  }

  /** S3's canonical URI: each segment of the decoded path encoded once, '/' kept, no normalisation. */
  public static String canonicalUri(String rawPath) {
    if (rawPath == null || rawPath.isEmpty()) {
      return "/";
    }
    StringBuilder b = new StringBuilder(rawPath.length() + 16);
    int start = 0;
    while (true) {
      int slash = rawPath.indexOf('/', start);
      String segment = slash < 0 ? rawPath.substring(start) : rawPath.substring(start, slash);
      b.append(encode(percentDecode(segment)));
      if (slash < 0) {
        break;
      }
      b.append('/');
      start = slash + 1;
    }
    return b.toString();
  }

  /** Parameters sorted by encoded name, then value; both encoded; a valueless one becomes {@code name=}. */
  public static String canonicalQuery(List<Map.Entry<String, String>> decoded) {
    List<String[]> encoded = new ArrayList<>(decoded.size());
    for (Map.Entry<String, String> p : decoded) {
      encoded.add(new String[] {encode(p.getKey()), encode(p.getValue() == null ? "" : p.getValue())});
    }
    encoded.sort(Comparator.<String[], String>comparing(p -> p[0]).thenComparing(p -> p[1]));
    StringBuilder b = new StringBuilder();
    for (String[] p : encoded) {
      if (b.length() > 0) {
        b.append('&');
      }
      b.append(p[0]).append('=').append(p[1]);
    }
    return b.toString();
  }

  /** A raw query string split into decoded name/value pairs, in order; null or empty gives none. */
  public static List<Map.Entry<String, String>> decodeQuery(String rawQuery) {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String part : rawQuery.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String name = eq < 0 ? part : part.substring(0, eq);
      String value = eq < 0 ? "" : part.substring(eq + 1);
      out.add(Map.entry(percentDecode(name.replace('+', ' ')), percentDecode(value.replace('+', ' '))));
    }
    return out;
  }

  /** RFC 3986 encoding: unreserved characters kept, everything else as %XX of its UTF-8 bytes. */
  public static String encode(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
      if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
          || c == '~') {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xF, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return b.toString();
  }

  /** An object key as a URL path: each segment encoded, '/' kept. */
  public static String encodePath(String key) {
    StringBuilder b = new StringBuilder(key.length() + 8);
    String[] segments = key.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      if (i > 0) {
        b.append('/');
      }
      b.append(encode(segments[i]));
    }
    return b.toString();
  }

  /** Decodes %XX sequences (UTF-8); a malformed sequence is kept as it is. */
  public static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    byte[] out = new byte[s.length()];
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0
          && Character.digit(s.charAt(i + 2), 16) >= 0) {
        out[n++] = (byte) (Character.digit(s.charAt(i + 1), 16) << 4 | Character.digit(s.charAt(i + 2), 16));
        i += 2;
      } else {
        byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (n + bytes.length > out.length) {
          out = java.util.Arrays.copyOf(out, out.length * 2 + bytes.length);
        }
        System.arraycopy(bytes, 0, out, n, bytes.length);
        n += bytes.length;
      }
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  public static String sha256Hex(byte[] data) {
    try {
      return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hostHeader(URI url) {
    int port = url.getPort();
    boolean defaultPort = port < 0 || port == 80 && "http".equals(url.getScheme())
        || port == 443 && "https".equals(url.getScheme());
    return defaultPort ? url.getHost() : url.getHost() + ":" + port;
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}

package dev.simpletuner.cloud.server.s3;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What S3 keeps of an upload's headers besides the body and answers on GetObject/HeadObject:
 * Cache-Control, Expires, Content-Encoding (without the transfer's {@code aws-chunked}),
 * Content-Disposition, Content-Language and the {@code x-amz-meta-*} user metadata; and the
 * {@code response-*} query parameters of a GetObject that override them.
 */
final class StoredHeaders {
  static final List<String> KEPT = List.of("Cache-Control", "Expires", "Content-Encoding", "Content-Disposition",
      "Content-Language");
  private static final Map<String, String> OVERRIDES = Map.of("response-content-type", "Content-Type",
      "response-content-language", "Content-Language", "response-expires", "Expires", "response-cache-control",
      "Cache-Control", "response-content-disposition", "Content-Disposition", "response-content-encoding",
      "Content-Encoding");
  private static final int MAX_METADATA = 64;

  private StoredHeaders() {
  }

  /** The kept headers of a request, or null when it has none. */
  static JsonObject kept(MultiMap headers) {
    JsonObject out = new JsonObject();
    for (String name : KEPT) {
      String value = headers.get(name);
      if (name.equals("Content-Encoding") && value != null) {
        value = Arrays.stream(value.split(",")).map(String::strip)
            .filter(v -> !v.isEmpty() && !v.equalsIgnoreCase("aws-chunked")).collect(Collectors.joining(", "));
      }
      if (value != null && !value.isEmpty()) {
        out.put(name, value);
      }
    }
    return out.isEmpty() ? null : out;
  }

  /**
   * The {@code x-amz-meta-*} headers, names without the prefix, or null when there are none. Values
   * sent as UTF-8 bytes are kept as the text they are; they go back as Latin-1 bytes where that
   * holds them (what boto3 reads), else RFC 2047-encoded as S3 does.
   */
  static JsonObject userMetadata(MultiMap headers) {
    JsonObject meta = new JsonObject();
    headers.forEach(h -> {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith("x-amz-meta-") && meta.size() < MAX_METADATA) {
        meta.put(name.substring("x-amz-meta-".length()), utf8(h.getValue()));
      }
    });
    return meta.isEmpty() ? null : meta;
  }

  /** Writes what was kept of an object's headers, then the request's {@code response-*} overrides. */
  static void apply(HttpServerResponse response, JsonObject kept, JsonObject metadata, Map<String, String> query) {
    if (kept != null) {
      kept.forEach(e -> response.putHeader(e.getKey(), String.valueOf(e.getValue())));
    }
    if (metadata != null) {
      metadata.forEach(e -> response.putHeader("x-amz-meta-" + e.getKey(), latin1OrEncoded(String.valueOf(e.getValue()))));
    }
    OVERRIDES.forEach((param, header) -> {
      String value = query.get(param);
      if (value != null) {
        response.putHeader(header, wire(value));
      }
    });
  }

  /**
   * HTTP header bytes reach us one char per byte (ISO-8859-1); clients send and sign UTF-8. The
   * value as the client meant it, when its bytes are UTF-8, else as it came.
   */
  static String utf8(String headerValue) {
    byte[] raw = headerValue.getBytes(StandardCharsets.ISO_8859_1);
    if (!new String(raw, StandardCharsets.ISO_8859_1).equals(headerValue)) {
      return headerValue; // already beyond one byte per char: not from the wire
    }
    String decoded = new String(raw, StandardCharsets.UTF_8);
    return Arrays.equals(decoded.getBytes(StandardCharsets.UTF_8), raw) ? decoded : headerValue;
  }

  static String latin1OrEncoded(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) > 0xff) {
        return "=?UTF-8?B?" + java.util.Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))
            + "?=";
      }
    }
    return value;
  }

  /** A decoded value (a query parameter) as header bytes: its UTF-8, one char per byte. */
  static String wire(String value) {
    return new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }
}

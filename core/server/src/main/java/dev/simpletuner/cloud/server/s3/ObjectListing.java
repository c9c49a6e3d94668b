package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.store.OutputStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * ListObjectsV2 ({@code list-type=2}) and V1 with prefix, delimiter and paging, over objects in key
 * order: one job's outputs, or a dataset bucket.
 */
final class ObjectListing {
  private static final int MAX_KEYS = 1000;

  private ObjectListing() {
  }

  static String render(String bucket, List<OutputStore.Output> all, Map<String, String> query) {
    boolean v2 = "2".equals(query.get("list-type"));
    String prefix = query.getOrDefault("prefix", "");
    String delimiter = query.get("delimiter");
    int maxKeys = maxKeys(query.get("max-keys"));
    String after = v2 ? (query.get("continuation-token") != null ? decodeToken(query.get("continuation-token"))
        : query.getOrDefault("start-after", "")) : query.getOrDefault("marker", "");

    List<OutputStore.Output> contents = new ArrayList<>();
    TreeSet<String> common = new TreeSet<>();
    String last = null;
    boolean truncated = false;
    for (OutputStore.Output o : all) {
      String key = o.key();
      if (!key.startsWith(prefix) || key.compareTo(after) <= 0) {
        continue;
      }
      String group = null;
      if (delimiter != null && !delimiter.isEmpty()) {
        int at = key.indexOf(delimiter, prefix.length());
        if (at >= 0) {
          group = key.substring(0, at + delimiter.length());
        }
      }
      if (group != null && common.contains(group)) {
        continue;
      }
      if (contents.size() + common.size() >= maxKeys) {
        truncated = true;
        break;
      }
      if (group != null) {
        common.add(group);
        last = group;
      } else {
        contents.add(o);
        last = key;
      }
    }

    StringBuilder b = new StringBuilder(S3Xml.head()).append("<ListBucketResult xmlns=\"").append(S3Xml.NS)
        .append("\"><Name>").append(S3Xml.esc(bucket)).append("</Name><Prefix>").append(S3Xml.esc(prefix))
        .append("</Prefix><MaxKeys>").append(maxKeys).append("</MaxKeys>");
    if (delimiter != null) {
      b.append("<Delimiter>").append(S3Xml.esc(delimiter)).append("</Delimiter>");
    }
    b.append("<IsTruncated>").append(truncated).append("</IsTruncated>");
    if (v2) {
      b.append("<KeyCount>").append(contents.size() + common.size()).append("</KeyCount>");
      if (query.get("continuation-token") != null) {
        b.append("<ContinuationToken>").append(S3Xml.esc(query.get("continuation-token"))).append("</ContinuationToken>");
      }
      if (query.get("start-after") != null) {
        b.append("<StartAfter>").append(S3Xml.esc(query.get("start-after"))).append("</StartAfter>");
      }
      if (truncated && last != null) {
        b.append("<NextContinuationToken>").append(encodeToken(last)).append("</NextContinuationToken>");
      }
    } else {
      b.append("<Marker>").append(S3Xml.esc(query.getOrDefault("marker", ""))).append("</Marker>");
      if (truncated && last != null) {
        b.append("<NextMarker>").append(S3Xml.esc(last)).append("</NextMarker>");
      }
    }
    contents.forEach(o -> S3Xml.content(b, o));
    common.forEach(p -> b.append("<CommonPrefixes><Prefix>").append(S3Xml.esc(p)).append("</Prefix></CommonPrefixes>"));
    return b.append("</ListBucketResult>").toString();
  }

  private static int maxKeys(String value) {
    if (value == null) {
      return MAX_KEYS;
    }
    try {
      return Math.max(0, Math.min(MAX_KEYS, Integer.parseInt(value)));
    } catch (NumberFormatException e) {
      throw S3Exception.invalidArgument("max-keys must be a whole number.");
    }
  }

  private static String encodeToken(String key) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
  }

  private static String decodeToken(String token) {
    try {
      return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw S3Exception.invalidArgument("The continuation token provided is incorrect.");
    }
  }
}

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

  /** @param owner the credentials' owner, shown with each object in V1 and with FetchOwner in V2 */
  static String render(String bucket, List<OutputStore.Output> all, Map<String, String> query, String owner) {
    boolean v2 = "2".equals(query.get("list-type"));
    String encoding = query.get("encoding-type");
    if (encoding != null && !encoding.equals("url")) {
      throw S3Exception.invalidArgument("Invalid Encoding Method specified in Request");
    }
    java.util.function.UnaryOperator<String> enc = encoding == null ? S3Xml::esc
        : v -> S3Xml.esc(dev.simpletuner.cloud.spi.s3.SigV4.encodePath(v));
    boolean fetchOwner = !v2 || "true".equals(query.get("fetch-owner"));
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
      // A page that ended on a common prefix goes on after every key it stands for.
      if (group != null && (common.contains(group) || group.compareTo(after) <= 0)) {
        continue;
      }
      if (contents.size() + common.size() >= maxKeys) {
        truncated = maxKeys > 0; // S3 answers max-keys=0 with an empty, untruncated page
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
        // S3 encodes a V1 listing's own Prefix never (botocore decodes it only in V2): it comes back as sent.
        .append("\"><Name>").append(S3Xml.esc(bucket)).append("</Name><Prefix>")
        .append(v2 ? enc.apply(prefix) : S3Xml.esc(prefix))
        .append("</Prefix><MaxKeys>").append(maxKeys).append("</MaxKeys>");
    if (delimiter != null && !delimiter.isEmpty()) {
      b.append("<Delimiter>").append(enc.apply(delimiter)).append("</Delimiter>");
    }
    if (encoding != null) {
      b.append("<EncodingType>url</EncodingType>");
    }
    b.append("<IsTruncated>").append(truncated).append("</IsTruncated>");
    if (v2) {
      b.append("<KeyCount>").append(contents.size() + common.size()).append("</KeyCount>");
      if (query.get("continuation-token") != null) {
        b.append("<ContinuationToken>").append(S3Xml.esc(query.get("continuation-token"))).append("</ContinuationToken>");
      }
      if (query.get("start-after") != null) {
        b.append("<StartAfter>").append(enc.apply(query.get("start-after"))).append("</StartAfter>");
      }
      if (truncated && last != null) {
        b.append("<NextContinuationToken>").append(encodeToken(last)).append("</NextContinuationToken>");
      }
    } else {
      b.append("<Marker>").append(enc.apply(query.getOrDefault("marker", ""))).append("</Marker>");
      if (truncated && last != null && delimiter != null) {
        b.append("<NextMarker>").append(enc.apply(last)).append("</NextMarker>");
      }
    }
    for (OutputStore.Output o : contents) {
      b.append("<Contents><Key>").append(enc.apply(o.key())).append("</Key><LastModified>")
          .append(java.time.Instant.ofEpochMilli(o.updatedAt())).append("</LastModified><ETag>&quot;")
          .append(S3Xml.esc(o.etag())).append("&quot;</ETag><Size>").append(o.size())
          .append("</Size><StorageClass>STANDARD</StorageClass>");
      if (fetchOwner) {
        b.append(S3Xml.owner(owner));
      }
      b.append("</Contents>");
    }
    common.forEach(p -> b.append("<CommonPrefixes><Prefix>").append(enc.apply(p)).append("</Prefix></CommonPrefixes>"));
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

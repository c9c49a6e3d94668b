package dev.simpletuner.cloud.server.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * What a cloud trainer does with its outputs: for every S3 entry of {@code --publishing_config}
 * in the config it received, upload each file under {@code <base_path>/<name>} with the real AWS
 * SDK (default checksums; multipart above 8 MiB, like boto3's transfer manager).
 */
public final class TrainerPublisher {
  private static final int PART = 8 * 1024 * 1024;

  private TrainerPublisher() {
  }

  /** @return the keys written */
  public static List<String> publish(JsonObject config, Map<String, byte[]> files) {
    return publish(entries(config.getValue("--publishing_config")), files);
  }

  /**
   * What SimpleTuner's Replicate model publishes to: the S3 target its {@code s3_*} inputs name
   * (predict.py {@code _build_s3_publishing_config}), which replaces any --publishing_config.
   */
  public static List<String> publishFromModelInput(JsonObject input, Map<String, byte[]> files) {
    if (input.getString("s3_bucket") == null) {
      return List.of();
    }
    JsonObject entry = new JsonObject().put("provider", "s3").put("bucket", input.getString("s3_bucket"))
        .put("base_path", input.getString("s3_base_path", "simpletuner"))
        .put("endpoint_url", input.getString("s3_endpoint_url")).put("region", input.getString("s3_region"))
        .put("access_key", input.getString("s3_access_key")).put("secret_key", input.getString("s3_secret_key"));
    return publish(new JsonArray().add(entry), files);
  }

  private static List<String> publish(JsonArray entries, Map<String, byte[]> files) {
    List<String> keys = new ArrayList<>();
    for (Object o : entries) {
      JsonObject entry = (JsonObject) o;
      if (!"s3".equals(entry.getString("provider"))) {
        continue;
      }
      try (S3Client s3 = S3Client.builder().endpointOverride(URI.create(entry.getString("endpoint_url")))
          .region(Region.of(entry.getString("region") == null ? "us-east-1" : entry.getString("region")))
          .forcePathStyle(true)
          .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
              entry.getString("access_key"), entry.getString("secret_key")))).build()) {
        String base = entry.getString("base_path", "");
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
          String key = base.isEmpty() ? file.getKey() : base + "/" + file.getKey();
          put(s3, entry.getString("bucket"), key, file.getValue());
          keys.add(key);
        }
      }
    }
    return keys;
  }

  private static void put(S3Client s3, String bucket, String key, byte[] data) {
    if (data.length <= PART) {
      s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(data));
      return;
    }
    String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
    List<CompletedPart> parts = new ArrayList<>();
    for (int n = 1, off = 0; off < data.length; n++, off += PART) {
      int number = n;
      byte[] chunk = java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + PART));
      String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number),
          RequestBody.fromBytes(chunk)).eTag();
      parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
    }
    s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
        .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
  }

  private static JsonArray entries(Object value) {
    if (value instanceof JsonArray a) {
      return a;
    }
    if (value instanceof JsonObject o) {
      return new JsonArray().add(o);
    }
    if (value instanceof String s && !s.isBlank()) {
      return s.strip().startsWith("[") ? new JsonArray(s) : new JsonArray().add(new JsonObject(s));
    }
    return new JsonArray();
  }
}

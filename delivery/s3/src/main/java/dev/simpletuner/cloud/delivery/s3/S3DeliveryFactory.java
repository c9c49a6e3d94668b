package dev.simpletuner.cloud.delivery.s3;

import dev.simpletuner.cloud.spi.SettingSpec;
import dev.simpletuner.cloud.spi.SettingSpec.Type;
import dev.simpletuner.cloud.spi.delivery.DeliveryContext;
import dev.simpletuner.cloud.spi.delivery.DeliveryFactory;
import dev.simpletuner.cloud.spi.delivery.DeliveryTarget;
import java.util.List;

/** Declares the S3 target's settings (their names are the API contract) and creates targets. */
public final class S3DeliveryFactory implements DeliveryFactory {
  static final String ENABLED = "enabled";
  static final String ENDPOINT_URL = "endpoint_url";
  static final String BUCKET = "bucket";
  static final String REGION = "region";
  static final String ACCESS_KEY = "access_key";
  static final String SECRET_KEY = "secret_key";
  static final String PREFIX = "prefix";
  static final String ADDRESSING = "addressing";
  static final String MODE = "mode";
  static final String MULTIPART_THRESHOLD_MB = "multipart_threshold_mb";
  static final String PART_SIZE_MB = "part_size_mb";
  static final String PARALLEL_PARTS = "parallel_parts";
  static final String REQUEST_TIMEOUT_SECONDS = "request_timeout_seconds";

  @Override
  public String id() {
    return "s3";
  }

  @Override
  public String displayName() {
    return "S3-compatible store";
  }

  @Override
  public List<SettingSpec> settings() {
    return List.of(
        SettingSpec.of(ENABLED, Type.BOOLEAN, "false",
            "Deliver every completed job here unless the submission says otherwise."),
        SettingSpec.of(ENDPOINT_URL, Type.URL, null,
            "The store's endpoint, e.g. http://127.0.0.1:9000 for MinIO; empty means AWS (https://s3.<region>.amazonaws.com)."),
        new SettingSpec(BUCKET, Type.STRING, null, true, false, null, true, "The bucket models are delivered to."),
        SettingSpec.of(REGION, Type.STRING, "us-east-1", "The bucket's region (us-east-1 for most S3-compatible stores)."),
        SettingSpec.of(ACCESS_KEY, Type.STRING, null, "Access key id allowed to write to the bucket."),
        new SettingSpec(SECRET_KEY, Type.STRING, null, false, true, null, true, "Secret access key."),
        SettingSpec.of(PREFIX, Type.STRING, "simpletuner/",
            "Key prefix; a job's files go to <prefix><job id>/<file path>."),
        SettingSpec.choice(ADDRESSING, "auto",
            "path, virtual, or auto (virtual-host for amazonaws.com endpoints, path-style otherwise).",
            "auto", "path", "virtual"),
        SettingSpec.choice(MODE, "server",
            "server: the trainer sends outputs home and this server uploads them; trainer: the trainer gets "
                + "the store's credentials and uploads itself.", "server", "trainer"),
        SettingSpec.of(MULTIPART_THRESHOLD_MB, Type.INTEGER, "64", "Files from this size (MiB) on use multipart upload."),
        SettingSpec.of(PART_SIZE_MB, Type.INTEGER, "16", "Multipart part size in MiB (at least 5)."),
        SettingSpec.of(PARALLEL_PARTS, Type.INTEGER, "4", "Parts of one file uploaded at the same time."),
        SettingSpec.of(REQUEST_TIMEOUT_SECONDS, Type.INTEGER, "300",
            "How long to wait for the store to answer one request before trying it again."));
  }

  @Override
  public DeliveryTarget create(DeliveryContext context) {
    return new S3Delivery(context);
  }
}

package dev.simpletuner.cloud.server.config;

import dev.simpletuner.cloud.spi.s3.S3Target;
import dev.simpletuner.cloud.spi.s3.SigV4;
import java.net.URI;

/**
 * {@code storage.backend: s3}: the S3-compatible bucket every instance keeps received objects in
 * ({@code storage.s3}), so any of them can serve and deliver what another received.
 *
 * @param prefix keys of objects in the bucket start with it and a '/'; never empty
 */
public record SharedBucket(URI endpoint, String region, String bucket, String prefix, String accessKey,
                           String secretKey, boolean pathStyle) implements S3Target {
  @Override
  public SigV4.Credentials credentials() {
    return new SigV4.Credentials(accessKey, secretKey);
  }

  @Override
  public boolean virtualHost() {
    return !pathStyle;
  }

  @Override
  public long timeoutMs() {
    return 300_000;
  }

  @Override
  public String toString() {
    return "SharedBucket[" + endpoint + ", bucket " + bucket + ", prefix " + prefix + ", secret hidden]";
  }
}

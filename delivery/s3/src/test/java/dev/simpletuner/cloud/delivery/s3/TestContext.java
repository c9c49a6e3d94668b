package dev.simpletuner.cloud.delivery.s3;

import dev.simpletuner.cloud.spi.delivery.DeliveryContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The host's side of a delivery target, as plain as the real one: settings, a data dir, a logger. */
final class TestContext implements DeliveryContext {
  private final Vertx vertx;
  private final Map<String, String> settings = new ConcurrentHashMap<>();
  private final Path dataDir;

  TestContext(Vertx vertx, Path dataDir, Map<String, String> settings) {
    this.vertx = vertx;
    this.dataDir = dataDir;
    this.settings.putAll(settings);
  }

  /** Settings for a bucket in the given s3proxy, reached at {@code endpoint} (the proxy or a forwarder). */
  static Map<String, String> settingsFor(S3ProxyServer s3, String endpoint, String bucket) {
    return Map.of("endpoint_url", endpoint, "bucket", bucket, "region", s3.region(), "access_key", s3.accessKey(),
        "secret_key", s3.secretKey());
  }

  TestContext set(String name, String value) {
    settings.put(name, value);
    return this;
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public Map<String, String> settings() {
    return settings;
  }

  @Override
  public Path dataDir() {
    return dataDir;
  }

  @Override
  public System.Logger logger() {
    return System.getLogger("test.delivery.s3");
  }

  /** Waits for a future from a test thread. */
  static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception x ? x : e;
    }
  }
}

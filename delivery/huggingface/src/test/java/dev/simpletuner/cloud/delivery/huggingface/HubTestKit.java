package dev.simpletuner.cloud.delivery.huggingface;

import dev.simpletuner.cloud.spi.delivery.DeliveryContext;
import dev.simpletuner.cloud.spi.delivery.OutputFile;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Shared test plumbing: a real Vert.x, a started FakeHub, a host context and real files. */
final class HubTestKit implements AutoCloseable {
  static final String WRITE_TOKEN = "hf_writeTokenForAliceXyz123";
  static final String READ_TOKEN = "hf_readOnlyTokenForAlice456";
  static final String ORG_TOKEN = "hf_bobTokenWithOrgAcme789";

  final Vertx vertx = Vertx.vertx();
  final FakeHub hub;
  final Map<String, String> settings = new ConcurrentHashMap<>();
  final Path dir;
  final DeliveryContext context;

  HubTestKit(Path dir) {
    this.dir = dir;
    this.hub = new FakeHub(vertx).addToken(WRITE_TOKEN, "alice", "write").addToken(READ_TOKEN, "alice", "read")
        .addToken(ORG_TOKEN, "bob", "write", "acme").multipartThreshold(1024 * 1024).chunkSize(1024 * 1024)
        .start().await();
    settings.put("token", WRITE_TOKEN);
    settings.put("endpoint", hub.endpoint());
    settings.put("request_timeout_seconds", "2");
    Path data = dir.resolve("state");
    this.context = new DeliveryContext() {
      @Override
      public Vertx vertx() {
        return vertx;
      }

      @Override
      public Map<String, String> settings() {
        return Map.copyOf(settings);
      }

      @Override
      public Path dataDir() {
        return data;
      }

      @Override
      public System.Logger logger() {
        return System.getLogger("huggingface-test");
      }
    };
  }

  /** The target with fast backoff so retry tests stay quick; Retry-After is still honoured. */
  HuggingFaceDelivery target() {
    return new HuggingFaceDelivery(context, new RetryPolicy(6, 40, 400, 10_000));
  }

  /** Runs a plugin call on an event loop, as the host does, and waits for its outcome. */
  <T> CompletableFuture<T> onLoop(Supplier<Future<T>> call) {
    Promise<T> promise = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> {
      try {
        call.get().onComplete(promise);
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return promise.future().toCompletionStage().toCompletableFuture();
  }

  <T> T await(Supplier<Future<T>> call) throws Exception {
    try {
      return onLoop(call).get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    }
  }

  Throwable failure(Supplier<Future<?>> call) throws Exception {
    try {
      onLoop(() -> call.get().map(x -> (Object) x)).get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected the call to fail");
  }

  OutputFile text(String path, String content) throws IOException {
    return file(path, content.getBytes(StandardCharsets.UTF_8));
  }

  OutputFile random(String path, int size, long seed) throws IOException {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    bytes[0] = 0; // binary for sure
    return file(path, bytes);
  }

  OutputFile file(String path, byte[] content) throws IOException {
    Path file = dir.resolve("outputs").resolve(path);
    Files.createDirectories(file.getParent());
    Files.write(file, content);
    return new OutputFile(path, file, content.length, sha256(content));
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    hub.stop().await();
    vertx.close().await();
  }
}

package dev.simpletuner.cloud.delivery.s3;

import dev.simpletuner.cloud.spi.s3.SigV4;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A real S3-compatible server for tests: s3proxy (in-memory "transient" store, SigV2/SigV4 checked)
 * run as a separate process, because its dependencies would clash with Vert.x's on one classpath.
 *
 * <p>The jar comes from system property {@code s3proxy.jar}, else {@code target/s3proxy/s3proxy.jar}
 * relative to the working directory (this module's pom copies it there; so may other modules').
 *
 * <pre>
 * try (S3ProxyServer s3 = S3ProxyServer.start()) {
 *   s3.createBucket("models");
 *   ... s3.endpoint(), s3.accessKey(), s3.secretKey(), s3.region() ...
 * }
 * </pre>
 */
public final class S3ProxyServer implements AutoCloseable {
  public static final String DEFAULT_ACCESS_KEY = "test-access-key";
  public static final String DEFAULT_SECRET_KEY = "test-secret-key-0123456789";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Process process;
  private final int port;
  private final String accessKey;
  private final String secretKey;
  private final Path log;
  private final Thread cleanup;

  private S3ProxyServer(Process process, int port, String accessKey, String secretKey, Path log) {
    this.process = process;
    this.port = port;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.log = log;
    // A test run that dies without close() must not leave the process behind.
    this.cleanup = new Thread(this::destroy, "s3proxy-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
  }

  /** Starts s3proxy with the default test credentials. */
  public static S3ProxyServer start() {
    return start(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY);
  }

  /** Starts s3proxy on a free loopback port and waits until it answers HTTP. */
  public static S3ProxyServer start(String accessKey, String secretKey) {
    Path jar = jar();
    IOException last = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        return launch(jar, freePort(), accessKey, secretKey);
      } catch (IOException e) {
        last = e; // most likely the port was taken between choosing and binding it
      }
    }
    throw new UncheckedIOException("s3proxy did not start", last);
  }

  /** Where the jar is: system property {@code s3proxy.jar}, else {@code target/s3proxy/s3proxy.jar}. */
  public static Path jar() {
    String configured = System.getProperty("s3proxy.jar");
    Path jar = Path.of(configured != null && !configured.isBlank() ? configured : "target/s3proxy/s3proxy.jar")
        .toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("s3proxy jar not found at " + jar + ": run the build's generate-test-resources "
          + "phase (maven-dependency-plugin copies org.gaul:s3proxy:jar-with-dependencies there) or set -Ds3proxy.jar");
    }
    return jar;
  }

  private static S3ProxyServer launch(Path jar, int port, String accessKey, String secretKey) throws IOException {
    Path dir = Files.createTempDirectory("s3proxy-");
    Properties p = new Properties();
    p.setProperty("jclouds.provider", "transient");
    p.setProperty("jclouds.identity", accessKey);
    p.setProperty("jclouds.credential", secretKey);
    p.setProperty("s3proxy.authorization", "aws-v2-or-v4");
    p.setProperty("s3proxy.endpoint", "http://127.0.0.1:" + port);
    p.setProperty("s3proxy.identity", accessKey);
    p.setProperty("s3proxy.credential", secretKey);
    // s3proxy holds a signed (non-chunked) body in memory to check its hash; allow single PUTs up to 128 MiB.
    p.setProperty("s3proxy.v4-max-non-chunked-request-size", String.valueOf(128L * 1024 * 1024));
    Path properties = dir.resolve("s3proxy.properties");
    try (var out = Files.newBufferedWriter(properties)) {
      p.store(out, "test s3proxy");
    }
    Path log = dir.resolve("s3proxy.log");
    ProcessBuilder pb = new ProcessBuilder(javaBinary(), "-Xmx512m", "-jar", jar.toString(),
        "--properties", properties.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).directory(dir.toFile());
    pb.environment().put("LOG_LEVEL", System.getProperty("s3proxy.logLevel", "warn"));
    Process process = pb.start();
    S3ProxyServer server = new S3ProxyServer(process, port, accessKey, secretKey, log);
    try {
      server.awaitReady();
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("s3proxy exited with " + process.exitValue() + ": " + logTail());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
        // Connected: Jetty is listening. An unsigned request answers 403, which is fine.
        HttpResponse<Void> r = http().send(HttpRequest.newBuilder(URI.create(endpoint() + "/"))
            .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() > 0) {
          return;
        }
      } catch (IOException notYet) {
        sleep(150);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for s3proxy", e);
      }
    }
    throw new IOException("s3proxy did not answer on port " + port + " within " + START_TIMEOUT + ": " + logTail());
  }

  /** {@code http://127.0.0.1:<port>}, no trailing slash. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** The region to sign with (s3proxy accepts any; us-east-1 is what clients default to). */
  public String region() {
    return "us-east-1";
  }

  /** The process's output so far (for diagnosing a failed test). */
  public Path logFile() {
    return log;
  }

  /** CreateBucket, signed with SigV4; an existing bucket of ours is fine. */
  public void createBucket(String bucket) {
    URI uri = URI.create(endpoint() + "/" + SigV4.encode(bucket));
    Map<String, String> auth = SigV4.sign("PUT", uri, Map.of(), SigV4.EMPTY_SHA256,
        new SigV4.Credentials(accessKey, secretKey), region(), Instant.now());
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
        .PUT(HttpRequest.BodyPublishers.noBody());
    auth.forEach(b::header);
    try {
      HttpResponse<String> r = http().send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (r.statusCode() != 200 && !r.body().contains("BucketAlreadyOwnedByYou")) {
        throw new IllegalStateException("CreateBucket " + bucket + " failed: " + r.statusCode() + " " + r.body());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Stops the process (and any children) and waits for it. */
  public void stop() {
    destroy();
    // The properties and the log live in a temporary directory of their own.
    try (var files = Files.walk(log.getParent())) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }

  @Override
  public void close() {
    stop();
  }

  private void destroy() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  private String logTail() {
    try {
      String text = Files.readString(log);
      return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command()
        .filter(c -> c.endsWith("java") || c.endsWith("java.exe"))
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static HttpClient http() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

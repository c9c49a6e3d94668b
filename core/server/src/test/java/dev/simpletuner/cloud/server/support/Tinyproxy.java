package dev.simpletuner.cloud.server.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real forward proxy, tinyproxy, as its own process on a free loopback port with a config made
 * for the test: it forwards plain requests (adding {@code Via: 1.1 tinyproxy}) and tunnels
 * CONNECT, or refuses every destination (403 Filtered), as a corporate proxy's rules would.
 */
public final class Tinyproxy implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;

  private Tinyproxy(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** @param refuseAll true: every destination is filtered (FilterDefaultDeny with an empty list) */
  public static Tinyproxy start(Path dir, boolean refuseAll) {
    String binary = binary();
    try {
      Files.createDirectories(dir);
      int port = TestServer.freePort();
      Path log = dir.resolve("tinyproxy.log");
      StringBuilder conf = new StringBuilder()
          .append("Port ").append(port).append("\nListen 127.0.0.1\nTimeout 60\nMaxClients 50\n")
          .append("LogFile \"").append(log).append("\"\nLogLevel Info\nAllow 127.0.0.1\nViaProxyName \"tinyproxy\"\n");
      if (refuseAll) {
        Path filter = Files.writeString(dir.resolve("filter"), "");
        conf.append("Filter \"").append(filter).append("\"\nFilterDefaultDeny Yes\n");
      }
      Path file = Files.writeString(dir.resolve("tinyproxy.conf"), conf);
      Process p = new ProcessBuilder(binary, "-d", "-c", file.toString()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("tinyproxy.out").toFile()).start();
      Tinyproxy proxy = new Tinyproxy(p, port, log);
      proxy.awaitListening(dir);
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The tinyproxy on PATH; a test needing it fails (never skips) without it, saying how to install it. */
  private static String binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "tinyproxy");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    for (String fixed : new String[] {"/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"}) {
      if (Files.isExecutable(Path.of(fixed))) {
        return fixed;
      }
    }
    throw new IllegalStateException("The proxy tests need tinyproxy, a real forward proxy: "
        + "apt-get install -y tinyproxy (.ci/run installs it).");
  }

  private void awaitListening(Path dir) throws IOException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("tinyproxy exited: " + Files.readString(dir.resolve("tinyproxy.out")));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Api.sleep(50);
      }
    }
    close();
    throw new IllegalStateException("tinyproxy did not listen on " + port + " within 10 s");
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Everything tinyproxy logged so far (each request's line reads {@code Request (...): GET http://...}). */
  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}

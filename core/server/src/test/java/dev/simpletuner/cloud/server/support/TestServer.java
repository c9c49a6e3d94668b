package dev.simpletuner.cloud.server.support;

import dev.simpletuner.cloud.server.Server;
import dev.simpletuner.cloud.server.config.ConfigLoader;
import dev.simpletuner.cloud.server.config.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The real server, in this JVM, on a free port, with a state directory of its own. */
public final class TestServer implements AutoCloseable {
  public static final Path EXAMPLE_TRAINER = Path.of(System.getProperty("user.dir"))
      .resolve("../../conf/examples/example_trainer.py").normalize();

  private final Backend backend;
  private final String databaseUrl;
  private final Path stateDir;
  private final Map<String, String> env;
  private final boolean ownsDatabase;
  private Server server;
  private Api api;

  private TestServer(Backend backend, String databaseUrl, Path stateDir, Map<String, String> env,
                     boolean ownsDatabase) {
    this.backend = backend;
    this.databaseUrl = databaseUrl;
    this.stateDir = stateDir;
    this.env = env;
    this.ownsDatabase = ownsDatabase;
  }

  /** The example trainer as the local command, with {@code seconds} per step. */
  public static String trainerCommand(double seconds) {
    return "EXAMPLE_STEP_SECONDS=" + seconds + " python3 " + EXAMPLE_TRAINER;
  }

  public static TestServer start(Backend backend, String localCommand) {
    return start(backend, Map.of("SIMPLETUNER_LOCAL_COMMAND", localCommand));
  }

  /**
   * A server that talks to {@code replicate} and whose public URL is its own loopback address, so
   * platform webhooks and trainer callbacks reach it.
   */
  public static TestServer withReplicate(Backend backend, FakeReplicate replicate, Map<String, String> extraEnv) {
    int port = freePort();
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("SIMPLETUNER_PORT", String.valueOf(port));
    env.put("SIMPLETUNER_PUBLIC_URL", "http://127.0.0.1:" + port);
    env.put("REPLICATE_API_TOKEN", FakeReplicate.TOKEN);
    env.put("REPLICATE_BASE_URL", replicate.baseUrl());
    env.putIfAbsent("SIMPLETUNER_LOCAL_COMMAND", trainerCommand(0.02));
    return start(backend, env);
  }

  public static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static TestServer start(Backend backend, Map<String, String> extraEnv) {
    try {
      Path state = Files.createTempDirectory("st-state-");
      Map<String, String> env = new HashMap<>(extraEnv);
      TestServer s = new TestServer(backend, backend.newDatabase(), state, env, true);
      s.boot();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A server on a state directory (and database) that exists already, e.g. a restored one; closing
   * it deletes the state directory, never the database.
   */
  public static TestServer on(Path stateDir, String databaseUrl, Map<String, String> extraEnv) {
    TestServer s = new TestServer(databaseUrl == null ? Backend.SQLITE : Backend.POSTGRES, databaseUrl, stateDir,
        new HashMap<>(extraEnv), false);
    s.boot();
    return s;
  }

  /**
   * Another instance on this one's database, with its own state directory and port (as a team runs
   * several behind a load balancer). Closing it leaves the database to this one.
   */
  public TestServer sibling() {
    try {
      Map<String, String> siblingEnv = new HashMap<>(env);
      siblingEnv.remove("SIMPLETUNER_PORT");
      TestServer s = new TestServer(backend, databaseUrl, Files.createTempDirectory("st-state-"), siblingEnv, false);
      s.boot();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts (again) on the same state directory and database. */
  public void boot() {
    Map<String, String> env = new HashMap<>(this.env);
    env.put("SIMPLETUNER_STATE_DIR", stateDir.toString());
    env.putIfAbsent("SIMPLETUNER_PORT", "0");
    if (databaseUrl != null) {
      env.put("SIMPLETUNER_DATABASE_URL", databaseUrl);
    }
    ServerConfig config = new ConfigLoader(env, System.getProperty("user.home")).load(List.of());
    server = Server.start(config, env).await();
    api = new Api("http://127.0.0.1:" + server.port());
  }

  public void stop() {
    if (server != null) {
      server.stop().await();
      server = null;
    }
  }

  public Api api() {
    return api;
  }

  public Server server() {
    return server;
  }

  public Path stateDir() {
    return stateDir;
  }

  public Backend backend() {
    return backend;
  }

  @Override
  public void close() {
    try {
      stop();
    } finally {
      if (ownsDatabase) {
        backend.dropDatabase(databaseUrl);
      }
      deleteTree(stateDir);
    }
  }

  public static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

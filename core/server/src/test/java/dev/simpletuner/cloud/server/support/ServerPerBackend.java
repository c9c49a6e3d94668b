package dev.simpletuner.cloud.server.support;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Base for tests that run the same scenarios against a server on each backend. One server per
 * backend per test class, started on first use.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ServerPerBackend {
  private final Map<Backend, TestServer> servers = new EnumMap<>(Backend.class);

  /** The local trainer command the servers of this class run. */
  protected String localCommand() {
    return TestServer.trainerCommand(0.02);
  }

  protected TestServer server(Backend backend) {
    return servers.computeIfAbsent(backend, b -> TestServer.start(b, localCommand()));
  }

  protected Api api(Backend backend) {
    return server(backend).api();
  }

  @AfterAll
  void stopServers() {
    servers.values().forEach(TestServer::close);
  }
}

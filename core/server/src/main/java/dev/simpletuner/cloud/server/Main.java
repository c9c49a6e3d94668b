package dev.simpletuner.cloud.server;

import dev.simpletuner.cloud.server.config.ConfigException;
import dev.simpletuner.cloud.server.config.ConfigLoader;
import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.server.api.HttpVerticle;
import dev.simpletuner.cloud.server.backup.RestoreCommand;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar simpletuner-cloud.jar [options]}. */
public final class Main {
  private static final long SHUTDOWN_SECONDS = 60;

  private Main() {
  }

  public static void main(String[] args) {
    List<String> arguments = Arrays.asList(args);
    if (!arguments.isEmpty() && arguments.get(0).equals("restore")) {
      // Not the server: loads a backup into a fresh state directory or database, then exits.
      int status;
      try {
        status = RestoreCommand.run(arguments.subList(1, arguments.size()), System.getenv());
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage() + "\n" + RestoreCommand.USAGE);
        status = 2;
      }
      System.exit(status);
      return;
    }
    if (arguments.contains("--help") || arguments.contains("-h")) {
      System.out.print(ConfigLoader.USAGE);
      return;
    }
    // The longest piece of start-up that needs nothing else: under way while logging and Vert.x start.
    CompletableFuture<HttpVerticle.ContractText> contract = HttpVerticle.parseContract();
    ServerConfig config;
    try {
      config = ConfigLoader.fromSystem().load(arguments);
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    Server server;
    try {
      server = Server.start(config, System.getenv(), contract).toCompletionStage().toCompletableFuture().get();
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof ConfigException) {
        // A setting the operator must fix (e.g. a plugin setting of the wrong type): the message says which.
        log.error("The server could not start: {}", cause.getMessage());
        System.exit(2);
        return;
      }
      log.error("The server could not start: {}", cause.getMessage(), cause);
      System.exit(1);
      return;
    }
    // Not on the event loop: exiting runs the hook below, which needs the event loop to stop the server.
    server.onShutdownRequest(() -> new Thread(() -> System.exit(0), "remote-shutdown").start());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.stop().toCompletionStage().toCompletableFuture().get(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("Shutdown did not finish cleanly: {}", e.toString());
      }
    }, "shutdown"));
  }
}

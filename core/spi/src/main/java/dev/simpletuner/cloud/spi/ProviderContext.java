package dev.simpletuner.cloud.spi;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;

/**
 * Host services a provider may use. Methods may be added with defaults; nothing else of the host
 * is visible to plugins.
 */
public interface ProviderContext {

  Vertx vertx();

  /** Current values of the settings the factory declared (validated; secrets in clear text). */
  Map<String, String> settings();

  /** A directory this provider owns under the server's state directory. */
  Path dataDir();

  /** Identifies this server process's host, recorded with jobs that are bound to it. */
  String hostId();

  JobReporter reporter();

  /** A logger named after the provider. */
  System.Logger logger();
}

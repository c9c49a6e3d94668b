package dev.simpletuner.cloud.server.plugin;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;

/** What the host gives every plugin part it creates: Vert.x, its current settings, a data directory, a logger. */
abstract class HostPluginContext {
  private final Vertx vertx;
  private final SettingLayers settings;
  private final Path dataDir;
  private final System.Logger logger;

  HostPluginContext(Vertx vertx, String loggerName, SettingLayers settings, Path dataDir) {
    this.vertx = vertx;
    this.settings = settings;
    this.dataDir = dataDir;
    this.logger = new Slf4jSystemLogger(loggerName);
  }

  public Vertx vertx() {
    return vertx;
  }

  public Map<String, String> settings() {
    return settings.effective();
  }

  public Path dataDir() {
    return dataDir;
  }

  public System.Logger logger() {
    return logger;
  }
}

package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.server.secret.SecretBox;
import dev.simpletuner.cloud.server.store.Store;
import dev.simpletuner.cloud.spi.JobReporter;
import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SpiVersion;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The providers this server runs, discovered through {@link ServiceLoader}. A plugin that fails
 * to load is reported and skipped; it never stops the server.
 */
public final class Providers {
  private static final Logger LOG = LoggerFactory.getLogger(Providers.class);
  private static final String SETTINGS_SCOPE = "provider:";

  private final Map<String, ProviderHandle> byId;
  private final List<PluginInfo> plugins;

  private Providers(Map<String, ProviderHandle> byId, List<PluginInfo> plugins) {
    this.byId = byId;
    this.plugins = plugins;
  }

  public static String settingsScope(String providerId) {
    return SETTINGS_SCOPE + providerId;
  }

  /**
   * Loads every plugin on the class path, creates its providers with their saved settings, and
   * returns them. Blocking only for directory creation; call during start-up.
   */
  public static Future<Providers> load(Vertx vertx, ServerConfig config, Map<String, String> env, Store store,
                                       SecretBox secrets, String hostId, JobReporter reporter) {
    Map<String, ProviderFactory> factories = new LinkedHashMap<>();
    Map<String, PluginInfo> origins = new LinkedHashMap<>();
    List<PluginInfo> plugins = new ArrayList<>();
    ServiceLoader<Plugin> loader = ServiceLoader.load(Plugin.class, Providers.class.getClassLoader());
    var iterator = loader.iterator();
    while (true) {
      Plugin plugin;
      try {
        if (!iterator.hasNext()) {
          break;
        }
        plugin = iterator.next();
      } catch (ServiceConfigurationError | LinkageError e) {
        LOG.error("A built-in plugin could not be loaded: {}", e.getMessage());
        plugins.add(new PluginInfo("unknown", null, "built-in", "refused", e.getMessage()));
        continue;
      }
      register(plugin, "built-in", factories, origins, plugins);
    }
    List<Future<ProviderHandle>> created = new ArrayList<>();
    factories.forEach((id, factory) -> created.add(create(vertx, config, env, store, secrets, hostId, reporter,
        factory, origins.get(id))));
    return Future.join(created).map(done -> {
      Map<String, ProviderHandle> byId = new LinkedHashMap<>();
      for (Future<ProviderHandle> f : created) {
        if (f.succeeded()) {
          byId.put(f.result().id(), f.result());
        }
      }
      return new Providers(byId, List.copyOf(plugins));
    });
  }

  private static void register(Plugin plugin, String location, Map<String, ProviderFactory> factories,
                               Map<String, PluginInfo> origins, List<PluginInfo> plugins) {
    if (plugin.spiMajor() != SpiVersion.MAJOR) {
      String error = "built for SPI major " + plugin.spiMajor() + ", this server provides " + SpiVersion.MAJOR;
      LOG.error("Refusing plugin {} from {}: {}", plugin.name(), location, error);
      plugins.add(new PluginInfo(plugin.name(), plugin.version(), location, "refused", error));
      return;
    }
    PluginInfo info = new PluginInfo(plugin.name(), plugin.version(), location, "loaded", null);
    for (ProviderFactory factory : plugin.providerFactories()) {
      if (!factory.id().matches("[a-z0-9_-]{1,40}")) {
        LOG.error("Refusing provider id '{}' of plugin {}: use lowercase letters, digits, '-' and '_'", factory.id(),
            plugin.name());
        continue;
      }
      if (factories.containsKey(factory.id())) {
        LOG.error("Refusing provider {} of plugin {}: the id is already taken by plugin {}", factory.id(),
            plugin.name(), origins.get(factory.id()).name());
        continue;
      }
      factories.put(factory.id(), factory);
      origins.put(factory.id(), info);
      LOG.info("Registering provider {} ({}) from plugin {} {}", factory.id(), factory.displayName(), plugin.name(),
          plugin.version());
    }
    plugins.add(info);
  }

  private static Future<ProviderHandle> create(Vertx vertx, ServerConfig config, Map<String, String> env, Store store,
                                               SecretBox secrets, String hostId, JobReporter reporter,
                                               ProviderFactory factory, PluginInfo origin) {
    return store.settings().get(settingsScope(factory.id())).compose(stored -> {
      Map<String, String> saved = openSecrets(secrets, factory.id(), stored);
      try {
        Path dataDir = config.providersDir().resolve(factory.id());
        Files.createDirectories(dataDir);
        HostProviderContext context = new HostProviderContext(vertx, factory.id(), factory.settings(),
            config.providerSettings().getOrDefault(factory.id(), Map.of()), env, dataDir, hostId, reporter);
        context.reload(saved);
        Provider provider = factory.create(context);
        return Future.succeededFuture(new ProviderHandle(factory, provider, context, origin));
      } catch (Exception | LinkageError e) {
        LOG.error("Provider {} failed to start and is skipped", factory.id(), e);
        return Future.failedFuture(e);
      }
    });
  }

  /** Saved settings with sealed secrets opened (a secret that does not open is dropped and logged). */
  public static Map<String, String> openSecrets(SecretBox secrets, String providerId, Map<String, String> stored) {
    Map<String, String> open = new LinkedHashMap<>();
    stored.forEach((name, value) -> {
      if (SecretBox.isSealed(value)) {
        String plain = secrets.open(settingsScope(providerId) + "/" + name, value);
        if (plain == null) {
          LOG.error("The saved secret {} of provider {} cannot be decrypted with this server's key "
              + "(SIMPLETUNER_SECRET_KEY or secret.key); save it again.", name, providerId);
        } else {
          open.put(name, plain);
        }
      } else {
        open.put(name, value);
      }
    });
    return open;
  }

  public Optional<ProviderHandle> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  public Collection<ProviderHandle> all() {
    return byId.values();
  }

  public List<String> ids() {
    return List.copyOf(byId.keySet());
  }

  public List<PluginInfo> plugins() {
    return plugins;
  }

  /** Stops every provider's running work (local trainers) and records the outcome. */
  public Future<Void> shutdown() {
    List<Future<Void>> all = new ArrayList<>();
    for (ProviderHandle handle : byId.values()) {
      all.add(handle.provider().shutdown().recover(e -> {
        LOG.warn("Provider {} did not shut down cleanly: {}", handle.id(), e.getMessage());
        return Future.succeededFuture();
      }));
    }
    return Future.join(all).mapEmpty();
  }

  public void close() {
    byId.values().forEach(h -> {
      try {
        h.provider().close();
      } catch (Exception e) {
        LOG.warn("Provider {} failed to close: {}", h.id(), e.getMessage());
      }
    });
  }
}

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

  /** A provider factory and the plugin it came from. */
  private record Registered(ProviderFactory factory, PluginInfo plugin, ClassLoader loader) {
  }

  /**
   * Loads the built-in plugins and those in the plugins directory, creates their providers with
   * their saved settings, and returns them. A plugin that is broken, built for another SPI major,
   * or claims a provider id that is taken is refused with the reason and never stops the server.
   */
  public static Future<Providers> load(Vertx vertx, ServerConfig config, Map<String, String> env, Store store,
                                       SecretBox secrets, String hostId, JobReporter reporter) {
    List<PluginInfo> plugins = new ArrayList<>();
    List<PluginDiscovery.Found> found = new ArrayList<>(PluginDiscovery.builtIn(plugins));
    found.addAll(PluginDiscovery.external(config.pluginsDir(), plugins));
    Map<String, Registered> factories = new LinkedHashMap<>();
    for (PluginDiscovery.Found f : found) {
      register(f, factories, plugins);
    }
    List<Registered> registered = new ArrayList<>(factories.values());
    List<Future<ProviderHandle>> created = new ArrayList<>();
    registered.forEach(r -> created.add(create(vertx, config, env, store, secrets, hostId, reporter, r)));
    return Future.join(created).transform(done -> {
      Map<String, ProviderHandle> byId = new LinkedHashMap<>();
      for (int i = 0; i < created.size(); i++) {
        Future<ProviderHandle> f = created.get(i);
        if (f.succeeded()) {
          byId.put(f.result().id(), f.result());
        } else {
          PluginInfo info = registered.get(i).plugin();
          int at = plugins.indexOf(info);
          plugins.set(at >= 0 ? at : plugins.size() - 1, new PluginInfo(info.name(), info.version(), info.location(), "refused",
              "provider " + registered.get(i).factory().id() + " failed to start: "
                  + PluginDiscovery.rootMessage(f.cause())));
        }
      }
      return Future.succeededFuture(new Providers(byId, List.copyOf(plugins)));
    });
  }

  private static void register(PluginDiscovery.Found found, Map<String, Registered> factories,
                               List<PluginInfo> plugins) {
    String location = found.location();
    String name = location;
    try {
      Plugin plugin = found.plugin();
      name = plugin.name();
      String version = plugin.version();
      if (plugin.spiMajor() != SpiVersion.MAJOR) {
        refuse(plugins, name, version, location, "built for SPI major " + plugin.spiMajor() + ", this server provides "
            + SpiVersion.MAJOR);
        return;
      }
      List<ProviderFactory> mine = found.loader() == null ? plugin.providerFactories()
          : IsolatedProvider.withLoader(found.loader(), plugin::providerFactories);
      for (ProviderFactory factory : mine) {
        if (!factory.id().matches("[a-z0-9_-]{1,40}")) {
          refuse(plugins, name, version, location, "provider id '" + factory.id()
              + "' is not lowercase letters, digits, '-' and '_'");
          return;
        }
        Registered taken = factories.get(factory.id());
        if (taken != null) {
          refuse(plugins, name, version, location, "provider id '" + factory.id() + "' is already registered by "
              + "plugin " + taken.plugin().name() + " (" + taken.plugin().location() + ")");
          return;
        }
      }
      PluginInfo info = new PluginInfo(name, version, location, "loaded", null);
      for (ProviderFactory factory : mine) {
        factories.put(factory.id(), new Registered(factory, info, found.loader()));
        LOG.info("Registering provider {} ({}) from plugin {} {} [{}]", factory.id(), factory.displayName(), name,
            version, location);
      }
      plugins.add(info);
    } catch (RuntimeException | LinkageError e) {
      refuse(plugins, name, null, location, "failed while registering: " + PluginDiscovery.rootMessage(e));
    }
  }

  private static void refuse(List<PluginInfo> plugins, String name, String version, String location, String error) {
    LOG.error("Refusing plugin {} from {}: {}", name, location, error);
    plugins.add(new PluginInfo(name, version, location, "refused", error));
  }

  private static Future<ProviderHandle> create(Vertx vertx, ServerConfig config, Map<String, String> env, Store store,
                                               SecretBox secrets, String hostId, JobReporter reporter,
                                               Registered registered) {
    ProviderFactory factory = registered.factory();
    PluginInfo origin = registered.plugin();
    return store.settings().get(settingsScope(factory.id())).compose(stored -> {
      Map<String, String> saved = openSecrets(secrets, factory.id(), stored);
      try {
        Path dataDir = config.providersDir().resolve(factory.id());
        Files.createDirectories(dataDir);
        HostProviderContext context = new HostProviderContext(vertx, factory.id(), factory.settings(),
            config.providerSettings().getOrDefault(factory.id(), Map.of()), env, dataDir, hostId, reporter);
        context.reload(saved);
        ClassLoader loader = registered.loader();
        Provider provider = loader == null ? factory.create(context)
            : new IsolatedProvider(IsolatedProvider.withLoader(loader, () -> factory.create(context)), loader);
        return Future.succeededFuture(new ProviderHandle(factory, provider, context, origin));
      } catch (Exception | LinkageError e) {
        LOG.error("Provider {} of plugin {} failed to start and is skipped: {}", factory.id(), origin.name(),
            PluginDiscovery.rootMessage(e));
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

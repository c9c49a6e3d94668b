package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.server.outbound.NetworkDefaults;
import dev.simpletuner.cloud.server.secret.SecretBox;
import dev.simpletuner.cloud.server.store.Store;
import dev.simpletuner.cloud.spi.JobReporter;
import dev.simpletuner.cloud.spi.ProviderFactory;
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
  private final PluginRegistry registry;

  private Providers(Map<String, ProviderHandle> byId, PluginRegistry registry) {
    this.byId = byId;
    this.registry = registry;
  }

  public static String settingsScope(String providerId) {
    return SETTINGS_SCOPE + providerId;
  }

  /**
   * Creates the registered providers with their saved settings (their config-file and environment
   * values were checked by {@link PluginRegistry#checkSettings}). A provider whose plugin fails to
   * create it is reported (its plugin is marked refused) and skipped; it never stops the server.
   */
  public static Future<Providers> load(Vertx vertx, ServerConfig config, NetworkDefaults network, Store store,
                                       SecretBox secrets, String hostId, JobReporter reporter,
                                       WorkerPassIssuer passes, PluginRegistry registry) {
    List<PluginRegistry.Registered<ProviderFactory>> registered = registry.providers();
    List<Future<ProviderHandle>> created = new ArrayList<>();
    for (int i = 0; i < registered.size(); i++) {
      created.add(create(vertx, config, network, store, secrets, hostId, reporter, passes, registered.get(i),
          registry.layers("providers", registered.get(i).factory().id())));
    }
    return Future.join(created).transform(done -> {
      Map<String, ProviderHandle> byId = new LinkedHashMap<>();
      for (int i = 0; i < created.size(); i++) {
        Future<ProviderHandle> f = created.get(i);
        if (f.succeeded()) {
          byId.put(f.result().id(), f.result());
        } else {
          registry.failedToStart(registered.get(i).plugin(), "provider " + registered.get(i).factory().id()
              + " failed to start: " + PluginDiscovery.rootMessage(f.cause()));
        }
      }
      return Future.succeededFuture(new Providers(byId, registry));
    });
  }

  private static Future<ProviderHandle> create(Vertx vertx, ServerConfig config, NetworkDefaults network, Store store,
                                               SecretBox secrets,
                                               String hostId, JobReporter reporter, WorkerPassIssuer passes,
                                               PluginRegistry.Registered<ProviderFactory> registered,
                                               SettingLayers layers) {
    ProviderFactory factory = registered.factory();
    PluginInfo origin = registered.plugin();
    return store.settings().get(settingsScope(factory.id())).compose(stored -> {
      layers.reload(openSecrets(secrets, settingsScope(factory.id()), stored));
      Path dataDir = config.providersDir().resolve(factory.id());
      HostProviderContext context = new HostProviderContext(vertx, factory.id(), layers, network, dataDir, hostId,
          reporter, passes);
      // ProviderFactory promises create() a worker thread: it may read files or start a client.
      return vertx.executeBlocking(() -> {
        Files.createDirectories(dataDir);
        return PluginGuard.inLoader(registered.loader(), () -> factory.create(context));
      }, false);
    }).map(provider -> new ProviderHandle(factory, provider, new PluginGuard(vertx, "provider " + factory.id(),
        registered.loader(), !factory.runsLocally(), config.plugins().callTimeout()), layers, origin, network))
        .onFailure(e -> LOG.error("Provider {} of plugin {} failed to start and is skipped: {}", factory.id(),
            origin.name(), PluginDiscovery.rootMessage(e)));
  }

  /**
   * Saved settings with sealed secrets opened (a secret that does not open is dropped and logged).
   *
   * @param scope the settings scope, e.g. {@code provider:replicate}; secrets are sealed for {@code <scope>/<name>}
   */
  public static Map<String, String> openSecrets(SecretBox secrets, String scope, Map<String, String> stored) {
    Map<String, String> open = new LinkedHashMap<>();
    stored.forEach((name, value) -> {
      if (SecretBox.isSealed(value)) {
        String plain = secrets.open(scope + "/" + name, value);
        if (plain == null) {
          LOG.error("The saved secret {} of {} cannot be decrypted with this server's key "
              + "(SIMPLETUNER_SECRET_KEY or secret.key); save it again.", name, scope);
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
    return registry.plugins();
  }

  /** Stops every provider's running work (local trainers) and records the outcome. */
  public Future<Void> shutdown() {
    List<Future<Void>> all = new ArrayList<>();
    for (ProviderHandle handle : byId.values()) {
      all.add(handle.shutdown().recover(e -> {
        LOG.warn("Provider {} did not shut down cleanly: {}", handle.id(), e.getMessage());
        return Future.succeededFuture();
      }));
    }
    return Future.join(all).mapEmpty();
  }

  public void close() {
    byId.values().forEach(h -> {
      try {
        h.close();
      } catch (RuntimeException e) {
        LOG.warn("Provider {} failed to close: {}", h.id(), e.getMessage());
      }
    });
  }
}

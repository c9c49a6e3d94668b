package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.server.secret.SecretBox;
import dev.simpletuner.cloud.server.store.Store;
import dev.simpletuner.cloud.spi.delivery.DeliveryFactory;
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

/** The delivery targets this server runs (Hugging Face, S3, this machine, and plugins' own). */
public final class Deliveries {
  private static final Logger LOG = LoggerFactory.getLogger(Deliveries.class);
  private static final String SETTINGS_SCOPE = "delivery:";

  private final Map<String, DeliveryHandle> byId;

  private Deliveries(Map<String, DeliveryHandle> byId) {
    this.byId = byId;
  }

  public static String settingsScope(String targetId) {
    return SETTINGS_SCOPE + targetId;
  }

  /**
   * Creates the registered targets with their saved settings (checked as providers' are); a
   * target that fails to be created is skipped and its plugin marked refused.
   */
  public static Future<Deliveries> load(Vertx vertx, ServerConfig config, Map<String, String> env, Store store,
                                        SecretBox secrets, PluginRegistry registry) {
    List<PluginRegistry.Registered<DeliveryFactory>> registered = registry.deliveries();
    List<Future<DeliveryHandle>> created = new ArrayList<>();
    for (int i = 0; i < registered.size(); i++) {
      created.add(create(vertx, config, store, secrets, registered.get(i),
          registry.layers("delivery", registered.get(i).factory().id())));
    }
    return Future.join(created).transform(done -> {
      Map<String, DeliveryHandle> byId = new LinkedHashMap<>();
      for (int i = 0; i < created.size(); i++) {
        Future<DeliveryHandle> f = created.get(i);
        if (f.succeeded()) {
          byId.put(f.result().id(), f.result());
        } else {
          registry.failedToStart(registered.get(i).plugin(), "delivery target " + registered.get(i).factory().id()
              + " failed to start: " + PluginDiscovery.rootMessage(f.cause()));
        }
      }
      return Future.succeededFuture(new Deliveries(byId));
    });
  }

  private static Future<DeliveryHandle> create(Vertx vertx, ServerConfig config, Store store, SecretBox secrets,
                                               PluginRegistry.Registered<DeliveryFactory> r, SettingLayers layers) {
    DeliveryFactory factory = r.factory();
    return store.settings().get(settingsScope(factory.id())).compose(stored -> {
      layers.reload(Providers.openSecrets(secrets, settingsScope(factory.id()), stored));
      Path dataDir = config.stateDir().resolve("delivery").resolve(factory.id());
      HostDeliveryContext context = new HostDeliveryContext(vertx, factory.id(), layers, dataDir);
      // DeliveryFactory promises create() a worker thread, as ProviderFactory does.
      return vertx.executeBlocking(() -> {
        Files.createDirectories(dataDir);
        return PluginGuard.inLoader(r.loader(), () -> factory.create(context));
      }, false);
    }).map(target -> new DeliveryHandle(factory, target, new PluginGuard(vertx, "delivery target " + factory.id(),
        r.loader(), true, config.plugins().callTimeout()), layers, r.plugin()))
        .onFailure(e -> LOG.error("Delivery target {} of plugin {} failed to start and is skipped: {}", factory.id(),
            r.plugin().name(), PluginDiscovery.rootMessage(e)));
  }

  public Optional<DeliveryHandle> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  public Collection<DeliveryHandle> all() {
    return byId.values();
  }

  public List<String> ids() {
    return List.copyOf(byId.keySet());
  }

  public void close() {
    byId.values().forEach(h -> {
      try {
        h.close();
      } catch (RuntimeException e) {
        LOG.warn("Delivery target {} failed to close: {}", h.id(), e.getMessage());
      }
    });
  }
}

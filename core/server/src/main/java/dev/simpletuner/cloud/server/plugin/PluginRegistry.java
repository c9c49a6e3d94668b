package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SpiVersion;
import dev.simpletuner.cloud.spi.delivery.DeliveryFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every plugin this server found (built-in and in the plugins directory) with what each
 * contributes. A plugin that is broken, built for another SPI major, or claims an id another
 * plugin has taken is refused whole, with the reason, and never stops the server.
 */
public final class PluginRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(PluginRegistry.class);
  private static final String ID_PATTERN = "[a-z0-9_-]{1,40}";

  /** A factory, the plugin it came from, and the plugin's class loader (null when built in). */
  record Registered<F>(F factory, PluginInfo plugin, ClassLoader loader) {
  }

  private final List<PluginInfo> plugins = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Registered<ProviderFactory>> providers = new LinkedHashMap<>();
  private final Map<String, Registered<DeliveryFactory>> deliveries = new LinkedHashMap<>();

  private PluginRegistry() {
  }

  public static PluginRegistry discover(Path pluginsDir) {
    PluginRegistry registry = new PluginRegistry();
    List<PluginDiscovery.Found> found = new ArrayList<>(PluginDiscovery.builtIn(registry.plugins));
    found.addAll(PluginDiscovery.external(pluginsDir, registry.plugins));
    found.forEach(registry::register);
    return registry;
  }

  private void register(PluginDiscovery.Found found) {
    String location = found.location();
    String name = location;
    try {
      Plugin plugin = found.plugin();
      name = plugin.name();
      String version = plugin.version();
      if (plugin.spiMajor() != SpiVersion.MAJOR) {
        refuse(name, version, location, "built for SPI major " + plugin.spiMajor() + ", this server provides "
            + SpiVersion.MAJOR);
        return;
      }
      List<ProviderFactory> myProviders = PluginCalls.withLoader(found.loader(), plugin::providerFactories);
      List<DeliveryFactory> myDeliveries = PluginCalls.withLoader(found.loader(), plugin::deliveryFactories);
      String problem = firstProblem("provider", myProviders, ProviderFactory::id, providers);
      if (problem == null) {
        problem = firstProblem("delivery target", myDeliveries, DeliveryFactory::id, deliveries);
      }
      if (problem != null) {
        refuse(name, version, location, problem);
        return;
      }
      PluginInfo info = new PluginInfo(name, version, location, "loaded", null);
      for (ProviderFactory factory : myProviders) {
        providers.put(factory.id(), new Registered<>(factory, info, found.loader()));
        LOG.info("Registering provider {} ({}) from plugin {} {} [{}]", factory.id(), factory.displayName(), name,
            version, location);
      }
      for (DeliveryFactory factory : myDeliveries) {
        deliveries.put(factory.id(), new Registered<>(factory, info, found.loader()));
        LOG.info("Registering delivery target {} ({}) from plugin {} {} [{}]", factory.id(), factory.displayName(),
            name, version, location);
      }
      plugins.add(info);
    } catch (RuntimeException | LinkageError e) {
      refuse(name, null, location, "failed while registering: " + PluginDiscovery.rootMessage(e));
    }
  }

  private static <F> String firstProblem(String kind, List<F> mine, Function<F, String> id,
                                         Map<String, Registered<F>> taken) {
    for (F factory : mine) {
      String key = id.apply(factory);
      if (key == null || !key.matches(ID_PATTERN)) {
        return kind + " id '" + key + "' is not lowercase letters, digits, '-' and '_'";
      }
      Registered<F> owner = taken.get(key);
      if (owner != null) {
        return kind + " id '" + key + "' is already registered by plugin " + owner.plugin().name() + " ("
            + owner.plugin().location() + ")";
      }
    }
    return null;
  }

  private void refuse(String name, String version, String location, String error) {
    LOG.error("Refusing plugin {} from {}: {}", name, location, error);
    plugins.add(new PluginInfo(name, version, location, "refused", error));
  }

  /** Marks a loaded plugin refused because one of its factories failed to start. */
  void failedToStart(PluginInfo info, String error) {
    synchronized (plugins) {
      int at = plugins.indexOf(info);
      PluginInfo refused = new PluginInfo(info.name(), info.version(), info.location(), "refused", error);
      if (at >= 0) {
        plugins.set(at, refused);
      } else {
        plugins.add(refused);
      }
    }
  }

  List<Registered<ProviderFactory>> providers() {
    return List.copyOf(providers.values());
  }

  List<Registered<DeliveryFactory>> deliveries() {
    return List.copyOf(deliveries.values());
  }

  /** Every plugin with its status, for {@code GET /api/plugins}. */
  public List<PluginInfo> plugins() {
    synchronized (plugins) {
      return List.copyOf(plugins);
    }
  }
}

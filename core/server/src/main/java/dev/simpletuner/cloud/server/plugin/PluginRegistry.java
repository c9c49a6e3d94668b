package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.server.config.ConfigException;
import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.SettingSpec;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SpiVersion;
import dev.simpletuner.cloud.spi.delivery.DeliveryFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
  private final Map<String, SettingLayers> layers = new LinkedHashMap<>();

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
      List<ProviderFactory> myProviders = PluginGuard.inLoader(found.loader(), plugin::providerFactories);
      List<DeliveryFactory> myDeliveries = PluginGuard.inLoader(found.loader(), plugin::deliveryFactories);
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

  /**
   * Checks the config-file and environment settings of every provider and delivery target against
   * its declared specs, before any is created.
   *
   * @throws ConfigException naming every key (or environment variable) whose value does not fit
   */
  public void checkSettings(ServerConfig config, Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    providers.values().forEach(r -> check("providers", r.factory().id(), r.factory().settings(),
        config.providerSettings(), env, problems));
    deliveries.values().forEach(r -> check("delivery", r.factory().id(), r.factory().settings(),
        config.deliverySettings(), env, problems));
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join("\n", problems));
    }
    warnAboutUnknown("providers", config.providerSettings().keySet(), providers.keySet());
    warnAboutUnknown("delivery", config.deliverySettings().keySet(), deliveries.keySet());
  }

  private void check(String section, String id, List<SettingSpec> specs, Map<String, Map<String, String>> file,
                     Map<String, String> env, List<String> problems) {
    try {
      layers.put(section + "." + id, SettingLayers.checked(section + "." + id, specs, file.getOrDefault(id, Map.of()),
          env));
    } catch (ConfigException e) {
      problems.add(e.getMessage());
    }
  }

  /** Settings for a plugin that is not installed are not an error (its jar may come back), but worth a word. */
  private static void warnAboutUnknown(String section, Set<String> configured, Set<String> installed) {
    configured.stream().filter(id -> !installed.contains(id)).forEach(id -> LOG.warn(
        "The config file has settings for {}.{}, but no such plugin is installed (installed: {}); they are ignored.",
        section, id, String.join(", ", installed)));
  }

  /** The checked settings of {@code <section>.<id>}; {@link #checkSettings} ran first. */
  SettingLayers layers(String section, String id) {
    SettingLayers found = layers.get(section + "." + id);
    if (found == null) {
      throw new IllegalStateException("settings of " + section + "." + id + " were not checked");
    }
    return found;
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

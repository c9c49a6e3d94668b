package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.Plugin;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds plugins: the built-in ones on the server's class path, and third-party ones in the plugins
 * directory, each {@code <name>.jar} or {@code <name>/} (a directory of jars, also in
 * {@code <name>/lib/}) in a class loader of its own. A location that cannot be loaded is reported
 * with the reason and skipped.
 */
final class PluginDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(PluginDiscovery.class);

  /** A plugin instance and where it came from; {@code loader} is null for built-in plugins. */
  record Found(Plugin plugin, String location, ClassLoader loader) {
  }

  private PluginDiscovery() {
  }

  static List<Found> builtIn(List<PluginInfo> refused) {
    return load(ServiceLoader.load(Plugin.class, PluginDiscovery.class.getClassLoader()), "built-in", null, refused);
  }

  static List<Found> external(Path dir, List<PluginInfo> refused) {
    if (dir == null || !Files.isDirectory(dir)) {
      return List.of();
    }
    List<Found> found = new ArrayList<>();
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path location : entries.sorted(Comparator.comparing(Path::toString)).toList()) {
        List<URL> jars = jars(location);
        if (jars.isEmpty()) {
          continue;
        }
        String name = location.getFileName().toString().replaceFirst("\\.jar$", "");
        LOG.info("Loading plugin {} from {} ({} jar(s))", name, location, jars.size());
        PluginClassLoader loader = new PluginClassLoader("plugin-" + name, jars.toArray(URL[]::new),
            PluginDiscovery.class.getClassLoader());
        List<Found> here = load(ServiceLoader.load(Plugin.class, loader), location.toString(), loader, refused);
        if (here.isEmpty() && refused.stream().noneMatch(r -> r.location().equals(location.toString()))) {
          String error = "no plugin found: the jar needs META-INF/services/" + Plugin.class.getName();
          LOG.error("Refusing {}: {}", location, error);
          refused.add(new PluginInfo(name, null, location.toString(), "refused", error));
        }
        found.addAll(here);
      }
    } catch (IOException e) {
      LOG.error("Cannot read the plugins directory {}: {}", dir, e.getMessage());
    }
    return found;
  }

  private static List<URL> jars(Path location) {
    List<URL> urls = new ArrayList<>();
    try {
      if (Files.isRegularFile(location) && location.toString().endsWith(".jar")) {
        urls.add(location.toUri().toURL());
      } else if (Files.isDirectory(location)) {
        for (Path d : List.of(location, location.resolve("lib"))) {
          if (Files.isDirectory(d)) {
            try (Stream<Path> files = Files.list(d)) {
              for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
                urls.add(jar.toUri().toURL());
              }
            }
          }
        }
      }
    } catch (IOException e) {
      LOG.error("Cannot read plugin location {}: {}", location, e.getMessage());
    }
    return urls;
  }

  private static List<Found> load(ServiceLoader<Plugin> services, String location, ClassLoader loader,
                                  List<PluginInfo> refused) {
    List<Found> found = new ArrayList<>();
    var iterator = services.iterator();
    while (true) {
      try {
        if (!iterator.hasNext()) {
          break;
        }
        Plugin plugin = loader == null ? iterator.next()
            : PluginGuard.inLoader(loader, iterator::next);
        if (loader != null && plugin.getClass().getClassLoader() != loader) {
          continue; // a service the server itself provides, seen through the plugin's loader
        }
        found.add(new Found(plugin, location, loader));
      } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
        String error = "cannot load: " + rootMessage(e);
        LOG.error("Refusing a plugin from {}: {}", location, error);
        refused.add(new PluginInfo(location.substring(location.lastIndexOf('/') + 1), null, location, "refused",
            error));
        if (e instanceof ServiceConfigurationError && loader == null) {
          continue;
        }
        if (loader != null) {
          break; // one broken service file spoils the location's iterator
        }
      }
    }
    return found;
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root + ")";
  }

}

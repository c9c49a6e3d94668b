package dev.simpletuner.cloud.server.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * One third-party plugin's class loader. The SPI, Vert.x (and its Netty) and Jackson's annotations
 * come from the server, so plugin and server agree on those types; everything else is looked up in
 * the plugin's own jars first, then the JDK. A plugin's own library versions therefore win inside
 * the plugin and never leak into the server.
 */
final class PluginClassLoader extends URLClassLoader {
  static final List<String> HOST_PACKAGES = List.of("dev.simpletuner.cloud.spi.", "io.vertx.", "io.netty.",
      "com.fasterxml.jackson.annotation.");
  private final ClassLoader host;

  PluginClassLoader(String name, URL[] jars, ClassLoader host) {
    super(name, jars, ClassLoader.getPlatformClassLoader());
    this.host = host;
  }

  static boolean fromHost(String name) {
    for (String prefix : HOST_PACKAGES) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (fromHost(name)) {
      return host.loadClass(name);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> loaded = findLoadedClass(name);
      if (loaded == null) {
        try {
          loaded = findClass(name);
        } catch (ClassNotFoundException notInPlugin) {
          loaded = getParent().loadClass(name);
        }
      }
      if (resolve) {
        resolveClass(loaded);
      }
      return loaded;
    }
  }

  @Override
  public URL getResource(String name) {
    URL own = findResource(name);
    return own != null ? own : fromHost(name.replace('/', '.')) ? host.getResource(name) : getParent().getResource(name);
  }

  @Override
  public Enumeration<URL> getResources(String name) throws IOException {
    // Only the plugin's own resources: a plugin must not discover the server's services.
    List<URL> all = new ArrayList<>(Collections.list(findResources(name)));
    all.addAll(Collections.list(getParent().getResources(name)));
    return Collections.enumeration(all);
  }
}

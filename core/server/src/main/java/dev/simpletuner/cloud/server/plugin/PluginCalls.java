package dev.simpletuner.cloud.server.plugin;

import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * Calls into plugin code: with the plugin's class loader as the thread's context class loader
 * (libraries such as Jackson or ServiceLoader inside the plugin look there) and with exceptions or
 * a missing future turned into failed futures.
 */
final class PluginCalls {
  private PluginCalls() {
  }

  /** @param loader the plugin's class loader; null for built-in plugins (nothing to swap) */
  static <T> T withLoader(ClassLoader loader, Supplier<T> call) {
    if (loader == null) {
      return call.get();
    }
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
    try {
      return call.get();
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  static <T> Future<T> async(ClassLoader loader, Supplier<Future<T>> call) {
    try {
      Future<T> result = withLoader(loader, call);
      return result == null ? Future.failedFuture(new IllegalStateException("the plugin returned no future")) : result;
    } catch (RuntimeException | LinkageError e) {
      return Future.failedFuture(e);
    }
  }
}

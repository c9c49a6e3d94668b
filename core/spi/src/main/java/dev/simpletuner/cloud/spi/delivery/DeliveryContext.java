package dev.simpletuner.cloud.spi.delivery;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;

/** Host services a delivery target may use; methods may be added with defaults. */
public interface DeliveryContext {

  Vertx vertx();

  /** Current values of the settings the factory declared (validated; secrets in clear text; may change). */
  Map<String, String> settings();

  /** A directory this target owns under the server's state directory (e.g. to remember resumable uploads). */
  Path dataDir();

  /** A logger named after the target. Never log secrets. */
  System.Logger logger();
}

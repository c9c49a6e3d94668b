package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.CredentialStatus;
import dev.simpletuner.cloud.spi.SettingSpec;
import dev.simpletuner.cloud.spi.delivery.DeliveryFactory;
import dev.simpletuner.cloud.spi.delivery.DeliveryJob;
import dev.simpletuner.cloud.spi.delivery.DeliveryPlan;
import dev.simpletuner.cloud.spi.delivery.DeliveryProgress;
import dev.simpletuner.cloud.spi.delivery.DeliveryRequest;
import dev.simpletuner.cloud.spi.delivery.DeliveryResult;
import dev.simpletuner.cloud.spi.delivery.DeliveryTarget;
import io.vertx.core.Future;
import java.util.List;

/**
 * A loaded delivery target: its factory (metadata, settings), its instance, and where it came from.
 * Every call goes through {@link PluginCalls}, so plugin code runs with its own class loader and a
 * throw becomes a failed future.
 */
public final class DeliveryHandle extends LoadedPlugin {
  private final DeliveryFactory factory;
  private final DeliveryTarget target;
  private final ClassLoader loader;

  DeliveryHandle(DeliveryFactory factory, DeliveryTarget target, SettingLayers settings, PluginInfo plugin,
                 ClassLoader loader) {
    super(plugin, settings);
    this.factory = factory;
    this.target = target;
    this.loader = loader;
  }

  public String id() {
    return factory.id();
  }

  public String displayName() {
    return factory.displayName();
  }

  public List<SettingSpec> settingSpecs() {
    return layers().specs();
  }






  public Future<CredentialStatus> validate() {
    return PluginCalls.async(loader, target::validate);
  }

  public Future<DeliveryPlan> plan(DeliveryRequest request) {
    return PluginCalls.async(loader, () -> target.plan(request));
  }

  public Future<DeliveryResult> deliver(DeliveryJob job, DeliveryProgress progress) {
    return PluginCalls.async(loader, () -> target.deliver(job, progress));
  }

  void close() {
    PluginCalls.withLoader(loader, () -> {
      target.close();
      return null;
    });
  }
}

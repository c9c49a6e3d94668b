package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.server.plugin.PluginGuard.Wait;
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
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A loaded delivery target: its factory (metadata, settings) and its instance, which is only
 * reachable through the methods here, each through the target's {@link PluginGuard} like a
 * provider's calls.
 */
public final class DeliveryHandle extends LoadedPlugin {
  private final DeliveryFactory factory;
  private final DeliveryTarget target;
  private final PluginGuard guard;

  DeliveryHandle(DeliveryFactory factory, DeliveryTarget target, PluginGuard guard, SettingLayers settings,
                 PluginInfo plugin) {
    super(plugin, settings);
    this.factory = factory;
    this.target = target;
    this.guard = guard;
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
    return guard.call("validate", Wait.ANSWER, target::validate);
  }

  /** See {@link DeliveryTarget#servesByDefault}. */
  public boolean servesByDefault(JsonObject config) {
    return guard.read(() -> target.servesByDefault(config));
  }

  public Future<DeliveryPlan> plan(DeliveryRequest request) {
    return guard.call("plan", Wait.ANSWER, () -> target.plan(request));
  }

  public Future<DeliveryResult> deliver(DeliveryJob job, DeliveryProgress progress) {
    return guard.call("deliver", Wait.TRANSFER, () -> target.deliver(job, progress));
  }

  void close() {
    guard.read(() -> {
      target.close();
      return null;
    });
  }
}

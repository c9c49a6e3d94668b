package dev.simpletuner.cloud.server.settings;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.plugin.DeliveryHandle;
import dev.simpletuner.cloud.server.plugin.Deliveries;
import dev.simpletuner.cloud.server.plugin.Providers;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/** Delivery target settings (the Publishing tab) as the API shows and changes them. */
public final class DeliverySettings {
  private final ServerContext ctx;

  public DeliverySettings(ServerContext ctx) {
    this.ctx = ctx;
  }

  public DeliveryHandle handle(String targetId) {
    return ctx.deliveries().get(targetId).orElseThrow(() -> new AppException(ErrorCode.NOT_FOUND,
        "Unknown delivery target '" + targetId + "'. Available: " + String.join(", ", ctx.deliveries().ids()) + ".",
        new JsonObject().put("field", "target")));
  }

  /** Validates and stores a change; returns the target as the API shows it afterwards. */
  public Future<JsonObject> update(String targetId, JsonObject body) {
    DeliveryHandle handle = handle(targetId);
    String scope = Deliveries.settingsScope(targetId);
    Map<String, String> changes = new LinkedHashMap<>();
    body.forEach(e -> changes.put(e.getKey(), DeclaredSettings.check(ctx.secrets(), scope, handle.settingSpecs(),
        "delivery target " + targetId, e.getKey(), e.getValue())));
    return ctx.store().settings().put(scope, changes, ctx.now())
        .compose(v -> ctx.store().settings().get(scope))
        .map(stored -> {
          handle.reloadSettings(Providers.openSecrets(ctx.secrets(), scope, stored));
          return render(handle);
        });
  }

  public JsonObject render(DeliveryHandle handle) {
    return new JsonObject()
        .put("id", handle.id())
        .put("name", handle.displayName())
        .put("configured", DeclaredSettings.configured(handle.settingSpecs(), handle.settings()))
        .put("settings", DeclaredSettings.values(handle.settingSpecs(), handle.settings()))
        .put("setting_sources", new JsonObject(new LinkedHashMap<>(handle.settingSources())))
        .put("setting_specs", DeclaredSettings.specs(handle.settingSpecs()))
        .put("plugin", new JsonObject().put("name", handle.plugin().name()).put("version", handle.plugin().version()));
  }
}

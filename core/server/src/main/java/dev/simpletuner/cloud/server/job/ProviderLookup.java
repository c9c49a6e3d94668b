package dev.simpletuner.cloud.server.job;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The provider a request names, or the one error for a provider this server does not have. */
public final class ProviderLookup {
  private ProviderLookup() {
  }

  /** @throws AppException {@code unknown_provider} (400), listing the providers there are */
  public static ProviderHandle require(ServerContext ctx, String providerId) {
    return ctx.providers().get(providerId).orElseThrow(() -> new AppException(ErrorCode.UNKNOWN_PROVIDER,
        "Unknown provider '" + providerId + "'. Available: " + String.join(", ", ctx.providers().ids()) + ".",
        new JsonObject().put("field", "provider").put("available", new JsonArray(ctx.providers().ids()))));
  }
}

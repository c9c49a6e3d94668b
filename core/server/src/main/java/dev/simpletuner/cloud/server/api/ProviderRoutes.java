package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.outbound.PublicUrlProbe;
import dev.simpletuner.cloud.server.auth.Principal;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.cost.CostLimit;
import dev.simpletuner.cloud.server.plugin.PluginInfo;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.settings.ProviderSettings;
import dev.simpletuner.cloud.spi.SettingSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Provider settings, credential checks, cost limits and the plugin list. */
final class ProviderRoutes {
  private final ServerContext ctx;
  private final ProviderSettings settings;
  private final PublicUrlProbe webhookTest;

  ProviderRoutes(io.vertx.core.Vertx vertx, ServerContext ctx) {
    this.ctx = ctx;
    this.settings = new ProviderSettings(vertx, ctx);
    this.webhookTest = new PublicUrlProbe(vertx, MetricsRoutes.INSTANCE);
  }

  void mount(ContractRouter ops) {
    ops.on("listProviders", this::list);
    ops.on("getProvider", this::get);
    ops.on("getProviderConfig", this::get);
    ops.on("updateProvider", this::update);
    ops.on("updateProviderConfig", this::update);
    ops.on("getProviderAdvanced", rc -> {
      AccessGuard.principal(rc);
      Responses.json(rc, 200, settings.advanced(settings.handle(Params.path(rc, "provider"))));
    });
    ops.on("updateProviderAdvanced", rc -> changed(rc, settings::updateAdvanced));
    ops.on("validateProvider", this::validate);
    ops.on("setProviderToken", rc -> token(rc, Params.body(rc).getString("api_token")));
    ops.on("deleteProviderToken", rc -> token(rc, null));
    ops.on("getCostLimit", this::costLimit);
    ops.on("getCostLimitStatus", this::costLimit);
    ops.on("listPlugins", this::plugins);
    ops.on("testWebhook", rc -> {
      AccessGuard.principal(rc);
      ProviderHandle handle = settings.handle(Params.path(rc, "provider"));
      String url = Params.body(rc).getString("webhook_url");
      if (url == null) {
        url = ctx.config().publicUrl() != null ? ctx.config().publicUrl()
            : handle.saved().get(ProviderSettings.WEBHOOK_URL);
      }
      Responses.reply(rc, webhookTest.check(url));
    });
  }

  private void list(RoutingContext rc) {
    AccessGuard.principal(rc);
    JsonArray providers = new JsonArray();
    ctx.providers().all().forEach(h -> providers.add(settings.render(h, h.saved())));
    Responses.json(rc, 200, new JsonObject().put("providers", providers));
  }

  private void get(RoutingContext rc) {
    AccessGuard.principal(rc);
    ProviderHandle handle = settings.handle(Params.path(rc, "provider"));
    Responses.json(rc, 200, settings.render(handle, handle.saved()));
  }

  private void update(RoutingContext rc) {
    changed(rc, settings::update);
  }

  /** Answers a settings change once it is in the audit trail (the names of the settings, never their values). */
  private void changed(RoutingContext rc,
                       java.util.function.BiFunction<String, JsonObject, io.vertx.core.Future<JsonObject>> change) {
    Principal principal = AccessGuard.principal(rc);
    String provider = Params.path(rc, "provider");
    JsonObject body = Params.body(rc);
    Responses.reply(rc, change.apply(provider, body).compose(result -> ctx.audit().record(principal,
        "settings.changed", "provider", provider, "ok", new JsonObject().put("settings",
            new JsonArray(new java.util.ArrayList<>(body.fieldNames()))), null, ctx.now()).map(result)));
  }

  /** The reference CLI's set-token / delete-token: the provider's first secret setting. */
  private void token(RoutingContext rc, String token) {
    Principal principal = AccessGuard.principal(rc);
    ProviderHandle handle = settings.handle(Params.path(rc, "provider"));
    SettingSpec secret = handle.settingSpecs().stream().filter(SettingSpec::secret).findFirst()
        .orElseThrow(() -> new AppException(ErrorCode.NOT_FOUND, "Provider " + handle.id() + " takes no API token."));
    String provider = handle.id();
    Responses.reply(rc, settings.update(provider, new JsonObject().put(secret.name(), token))
        .compose(view -> ctx.audit().record(principal, "settings.changed", "provider", provider, "ok",
            new JsonObject().put("settings", new JsonArray().add(secret.name())).put("token", token == null
                ? "deleted" : "saved"), null, ctx.now()).map(view))
        .map(view -> new JsonObject().put("success", true).put("provider", provider).put("setting", secret.name())
            .put("configured", view.getBoolean("configured")).put("token_source", credentialSource(handle))));
  }

  private void validate(RoutingContext rc) {
    AccessGuard.principal(rc);
    ProviderHandle handle = settings.handle(Params.path(rc, "provider"));
    Responses.reply(rc, handle.validateCredentials()
        .map(status -> new JsonObject().put("valid", status.valid()).put("username", status.username())
            .put("error", status.error()).put("provider", handle.id())
            .put("token_source", credentialSource(handle)))
        .recover(e -> io.vertx.core.Future.succeededFuture(new JsonObject().put("valid", false)
            .put("username", null).put("error", e.getMessage()).put("provider", handle.id()))));
  }

  /** Where the provider's credential comes from: its first declared secret (default, file, saved or env). */
  private static String credentialSource(ProviderHandle handle) {
    return handle.settingSpecs().stream().filter(SettingSpec::secret).findFirst()
        .map(spec -> handle.settingSources().get(spec.name())).orElse(null);
  }

  private void costLimit(RoutingContext rc) {
    AccessGuard.principal(rc);
    String provider = Params.query(rc, "provider");
    String fallback = ctx.config().plugins().defaultProvider();
    ProviderHandle handle = settings.handle(provider != null ? provider
        : ctx.providers().get(fallback).map(ProviderHandle::id).orElse(ctx.providers().ids().get(0)));
    Responses.reply(rc, CostLimit.status(ctx, handle));
  }

  private void plugins(RoutingContext rc) {
    AccessGuard.principal(rc);
    JsonArray plugins = new JsonArray();
    for (PluginInfo p : ctx.providers().plugins()) {
      plugins.add(new JsonObject().put("name", p.name()).put("version", p.version()).put("location", p.location())
          .put("status", p.status()).put("error", p.error()));
    }
    JsonArray providers = new JsonArray();
    ctx.providers().all().forEach(h -> providers.add(new JsonObject().put("id", h.id()).put("kind", "provider")
        .put("plugin", h.plugin().name()).put("version", h.plugin().version()).put("location", h.plugin().location())));
    Responses.json(rc, 200, new JsonObject().put("plugins", plugins).put("providers", providers));
  }
}

package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.auth.Principal;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.submit.SubmitRequest;
import dev.simpletuner.cloud.server.submit.TrainerArguments;
import java.util.ArrayList;
import java.util.List;
import dev.simpletuner.cloud.server.store.ConfigStore.NamedConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Named configs ({@code /api/configs}), the things {@code config_name_to_load} refers to. */
final class ConfigRoutes {
  private static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9 ._-]{0,199}";
  private final ServerContext ctx;

  ConfigRoutes(ServerContext ctx) {
    this.ctx = ctx;
  }

  void mount(ContractRouter ops) {
    ops.on("listConfigs", this::list);
    ops.on("createConfig", this::create);
    ops.on("getConfig", this::get);
    ops.on("putConfig", this::put);
    ops.on("deleteConfig", this::delete);
    ops.on("validateConfig", this::validate);
    ConfigVersionRoutes versions = new ConfigVersionRoutes(ctx);
    ops.on("listConfigVersions", versions::list);
    ops.on("getConfigVersion", versions::get);
    ops.on("diffConfigVersions", versions::diff);
    ops.on("restoreConfigVersion", versions::restore);
  }

  /**
   * The checks a submission of the named config runs on the config itself (the trainer's required
   * arguments, step count, dataset ids), as the reference's validate answers them; nothing is stored.
   */
  private void validate(RoutingContext rc) {
    AccessGuard.principal(rc);
    String name = Params.path(rc, "name");
    Responses.reply(rc, ctx.store().configs().get(name).map(found -> {
      NamedConfig c = found.orElseThrow(() -> notFound(name));
      JsonArray errors = new JsonArray();
      List<String> warnings = new ArrayList<>();
      List<Runnable> checks = List.of(() -> SubmitRequest.checkConfig(c.config()),
          () -> TrainerArguments.complete(c.config(), warnings),
          () -> SubmitRequest.checkDatasets(c.dataloaderConfig()));
      for (Runnable check : checks) {
        try {
          check.run();
        } catch (AppException e) {
          errors.add(e.getMessage());
        }
      }
      return new JsonObject().put("name", name).put("valid", errors.isEmpty()).put("is_valid", errors.isEmpty())
          .put("errors", errors)
          .put("warnings", new JsonArray(warnings));
    }));
  }

  private void list(RoutingContext rc) {
    AccessGuard.principal(rc);
    Responses.reply(rc, ctx.store().configs().list().map(configs -> {
      JsonArray out = new JsonArray();
      configs.forEach(c -> out.add(c.toJson()));
      return new JsonObject().put("configs", out).put("total", configs.size());
    }));
  }

  private void create(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    JsonObject body = Params.body(rc);
    NamedConfig config = fromBody(body.getString("name"), body, principal);
    Responses.reply(rc, 201, ctx.store().configs().create(config, message(body)).compose(created -> created.isPresent()
        ? Future.succeededFuture(new JsonObject().put("success", true).put("created", true).put("config",
            withVersion(config, created.get().version()).toJson()))
        : Future.failedFuture(new AppException(ErrorCode.ALREADY_EXISTS, "A config named '" + config.name()
            + "' already exists. Use PUT /api/configs/" + config.name() + " to replace it.",
            new JsonObject().put("field", "name")))));
  }

  private void get(RoutingContext rc) {
    AccessGuard.principal(rc);
    String name = Params.path(rc, "name");
    Responses.reply(rc, ctx.store().configs().get(name).map(found -> found.orElseThrow(() -> notFound(name))
        .toJson()));
  }

  private void put(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    String name = Params.path(rc, "name");
    JsonObject body = Params.body(rc);
    if (body.getValue("name") != null && !name.equals(body.getValue("name"))) {
      throw AppException.invalid("name", "The name in the body (" + body.getValue("name")
          + ") differs from the one in the path (" + name + ").");
    }
    NamedConfig config = fromBody(name, body, principal);
    Responses.reply(rc, saved(ctx, config, message(body), null));
  }

  /** Saves the config as a new version and answers it as it now is. */
  static Future<JsonObject> saved(ServerContext ctx, NamedConfig config, String message, Integer restoredFrom) {
    return ctx.store().configs().save(config, message, restoredFrom).compose(saved -> ctx.store().configs()
        .get(config.name()).map(now -> new JsonObject().put("success", true).put("created", saved.created())
            .put("version", saved.version())
            .put("config", now.orElse(withVersion(config, saved.version())).toJson())));
  }

  /** The save's message: {@code message}, or the reference's {@code snapshot_message}. */
  private static String message(JsonObject body) {
    String message = body.getString("message");
    return message != null && !message.isBlank() ? message.strip() : body.getString("snapshot_message");
  }

  private static NamedConfig withVersion(NamedConfig c, int version) {
    return new NamedConfig(c.name(), c.ownerId(), c.description(), c.config(), c.dataloaderConfig(), c.createdAt(),
        c.updatedAt(), version);
  }

  private void delete(RoutingContext rc) {
    AccessGuard.principal(rc);
    String name = Params.path(rc, "name");
    Responses.reply(rc, ctx.store().configs().delete(name).map(deleted -> {
      if (!deleted) {
        throw notFound(name);
      }
      return new JsonObject().put("success", true).put("name", name);
    }));
  }

  private NamedConfig fromBody(String name, JsonObject body, Principal principal) {
    if (name == null || !name.matches(NAME_PATTERN)) {
      throw AppException.invalid("name", "A config name is 1-200 letters, digits, spaces, '.', '_' or '-', "
          + "starting with a letter or digit.");
    }
    JsonObject config = body.getJsonObject("config", new JsonObject());
    JsonArray dataloader = body.getJsonArray("dataloader_config", new JsonArray());
    SubmitRequest.checkConfig(config);
    SubmitRequest.checkDatasets(dataloader);
    long now = ctx.now();
    return new NamedConfig(name, principal.userId(), body.getString("description"), config, dataloader, now, now);
  }

  static AppException notFound(String name) {
    return new AppException(ErrorCode.CONFIG_NOT_FOUND, "No saved config named '" + name + "'.",
        new JsonObject().put("name", name));
  }
}

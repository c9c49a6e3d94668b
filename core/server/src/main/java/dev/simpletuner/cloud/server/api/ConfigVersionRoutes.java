package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.reproduce.ConfigDiff;
import dev.simpletuner.cloud.server.store.ConfigStore.ConfigVersion;
import dev.simpletuner.cloud.server.store.ConfigStore.NamedConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/** The saved versions of a named config: list, one, the diff of two, and restore as a new version. */
final class ConfigVersionRoutes {
  private final ServerContext ctx;

  ConfigVersionRoutes(ServerContext ctx) {
    this.ctx = ctx;
  }

  void list(RoutingContext rc) {
    AccessGuard.principal(rc);
    String name = Params.path(rc, "name");
    int limit = Params.queryInt(rc, "limit", 50);
    int offset = Params.queryInt(rc, "offset", 0);
    Responses.reply(rc, ctx.store().configs().versions(name, limit, offset).compose(page -> {
      if (page.total() == 0) {
        throw ConfigRoutes.notFound(name);
      }
      JsonArray out = new JsonArray();
      page.versions().forEach(v -> out.add(v.toJson(false)));
      return ctx.store().configs().get(name).map(current -> new JsonObject().put("name", name)
          .put("current_version", current.map(NamedConfig::version).orElse(null))
          .put("versions", out).put("total", page.total()).put("limit", limit).put("offset", offset));
    }));
  }

  void get(RoutingContext rc) {
    AccessGuard.principal(rc);
    String name = Params.path(rc, "name");
    int number = number(rc);
    Responses.reply(rc, version(name, number).map(v -> v.toJson(true)));
  }

  void diff(RoutingContext rc) {
    AccessGuard.principal(rc);
    String name = Params.path(rc, "name");
    int from = Params.queryInt(rc, "from", 1);
    Integer asked = Params.query(rc, "to") == null ? null : Params.queryInt(rc, "to", 1);
    Future<Integer> to = asked != null ? Future.succeededFuture(asked) : ctx.store().configs().get(name)
        .map(current -> current.orElseThrow(() -> ConfigRoutes.notFound(name)).version());
    Responses.reply(rc, to.compose(t -> version(name, from).compose(a -> version(name, t).map(b ->
        ConfigDiff.between(a.config(), a.dataloaderConfig(), b.config(), b.dataloaderConfig())
            .put("name", name).put("from", from).put("to", t)))));
  }

  void restore(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    String name = Params.path(rc, "name");
    int number = number(rc);
    String message = Params.body(rc).getString("message");
    Responses.reply(rc, version(name, number).compose(v -> {
      long now = ctx.now();
      Future<Optional<NamedConfig>> current = ctx.store().configs().get(name);
      return current.compose(found -> ConfigRoutes.saved(ctx, new NamedConfig(name, principal.userId(),
          v.description(), v.config(), v.dataloaderConfig(), found.map(NamedConfig::createdAt).orElse(now), now),
          message != null && !message.isBlank() ? message.strip() : "Restored version " + number, number));
    }));
  }

  private Future<ConfigVersion> version(String name, int number) {
    return ctx.store().configs().version(name, number).map(found -> found.orElseThrow(() -> new AppException(
        ErrorCode.CONFIG_NOT_FOUND, "Config '" + name + "' has no version " + number + ".",
        new JsonObject().put("name", name).put("version", number))));
  }

  private static int number(RoutingContext rc) {
    return Integer.parseInt(Params.path(rc, "version"));
  }
}

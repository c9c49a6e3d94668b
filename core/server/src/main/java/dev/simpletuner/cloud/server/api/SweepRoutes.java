package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.bus.Bus;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.reproduce.SweepRequest;
import dev.simpletuner.cloud.server.reproduce.Sweeps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Sweeps ({@code /api/cloud/sweeps}): make one, and see its runs side by side. */
final class SweepRoutes {
  private final Vertx vertx;
  private final ServerContext ctx;
  private final Sweeps sweeps;

  SweepRoutes(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.sweeps = new Sweeps(ctx);
  }

  void mount(ContractRouter ops) {
    ops.on("createSweep", this::create);
    ops.on("getSweep", rc -> Responses.reply(rc, sweeps.view(AccessGuard.principal(rc),
        Params.path(rc, "sweep_id"))));
    ops.on("listSweeps", rc -> Responses.reply(rc, sweeps.list(AccessGuard.principal(rc),
        Params.queryInt(rc, "limit", 50), Params.queryInt(rc, "offset", 0))));
    ops.on("stopSweep", rc -> Responses.reply(rc, sweeps.stop(AccessGuard.principal(rc),
        Params.path(rc, "sweep_id"))));
  }

  /** Stores the sweep, lets the sweeps verticle submit its first runs, and answers how it stands. */
  private void create(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    SweepRequest request = SweepRequest.parse(Params.body(rc));
    Responses.reply(rc, sweeps.create(principal, request).compose(created -> {
      String id = created.sweep().sweepId();
      Future<JsonObject> advanced = created.hit() ? Future.succeededFuture(null)
          : Bus.request(vertx, Addresses.SWEEP_ADVANCE, new JsonObject().put("sweep_id", id))
              .otherwiseEmpty();
      return advanced.compose(v -> ctx.audit().record(principal, "sweep.created", "sweep", id, "ok",
              new JsonObject().put("runs", request.runs().size()).put("idempotent_hit", created.hit()), null, ctx.now()))
          .compose(v -> sweeps.view(principal, id))
          .map(view -> view.put("success", true).put("idempotent_hit", created.hit()));
    }));
  }
}

package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.fleet.Fleet;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import io.vertx.ext.web.RoutingContext;

/**
 * The worker agent's routes ({@code /api/workers/*}, authenticated by {@code X-Worker-Token}) and
 * the admin's ({@code /api/admin/workers}, permission {@code workers.manage}), over {@link Fleet}.
 */
final class WorkerRoutes {
  static final String TOKEN_HEADER = "X-Worker-Token";
  private final ServerContext ctx;
  private final Fleet fleet;

  WorkerRoutes(ServerContext ctx, Fleet fleet) {
    this.ctx = ctx;
    this.fleet = fleet;
  }

  void mount(ContractRouter ops) {
    ops.on("registerWorker", rc -> Responses.reply(rc, fleet.authenticate(token(rc))
        .compose(worker -> fleet.register(worker, Params.body(rc), agentBase(rc)))));
    ops.on("workerStream", rc -> fleet.authenticate(token(rc)).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
        return;
      }
      try {
        fleet.stream(rc, ar.result(), Params.query(rc, "worker_id"));
      } catch (RuntimeException e) {
        rc.fail(e);
      }
    }));
    ops.on("workerHeartbeat", rc -> Responses.reply(rc, fleet.authenticate(token(rc))
        .compose(worker -> fleet.heartbeat(worker, Params.body(rc)))));
    ops.on("workerJobStatus", rc -> {
      // The worker is free once the agent has its answer: only then may a new job reach it
      // (an agent still waiting for this answer drops a job_submit as "Already running a job").
      rc.response().endHandler(v -> fleet.wake());
      Responses.reply(rc, fleet.authenticate(token(rc))
          .compose(worker -> fleet.jobStatus(worker, Params.path(rc, "job_id"), Params.body(rc))));
    });
    ops.on("workerQueue", rc -> Responses.reply(rc, fleet.authenticate(token(rc))
        .compose(worker -> fleet.queue(worker, Params.query(rc, "worker_id")))));
    ops.on("workerDisconnect", rc -> Responses.reply(rc, fleet.authenticate(token(rc))
        .compose(worker -> fleet.disconnect(worker, Params.body(rc)))));

    ops.on("listWorkers", rc -> Responses.reply(rc, fleet.list(Params.query(rc, "status_filter"))));
    ops.on("createWorker", rc -> Responses.reply(rc, fleet.create(AccessGuard.principal(rc), Params.body(rc),
        adminBase(rc), ip(rc))));
    ops.on("deleteWorker", rc -> Responses.reply(rc, fleet.delete(AccessGuard.principal(rc),
        Params.path(rc, "worker_id"), Params.queryBool(rc, "force"), ip(rc))));
    ops.on("drainWorker", rc -> Responses.reply(rc, fleet.drain(AccessGuard.principal(rc),
        Params.path(rc, "worker_id"), ip(rc))));
    ops.on("rotateWorkerToken", rc -> Responses.reply(rc, fleet.rotate(AccessGuard.principal(rc),
        Params.path(rc, "worker_id"), adminBase(rc), ip(rc))));
  }

  private static String token(RoutingContext rc) {
    return rc.request().getHeader(TOKEN_HEADER);
  }

  /** The address the agent reached this server at: its trainers are given the same. */
  private static String agentBase(RoutingContext rc) {
    return rc.request().scheme() + "://" + rc.request().authority();
  }

  /** The address for the connection command shown to the admin: the public URL when one is set. */
  private String adminBase(RoutingContext rc) {
    return ctx.config().publicUrl() != null ? ctx.config().publicUrl().replaceAll("/+$", "") : agentBase(rc);
  }

  private static String ip(RoutingContext rc) {
    return AccessGuard.sourceIp(rc.request());
  }
}

package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.cluster.Leases;
import dev.simpletuner.cloud.server.store.ClusterStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/** {@code GET /api/cluster}: who shares the database and who holds which background work. */
final class ClusterRoutes {
  private final ServerContext ctx;

  ClusterRoutes(ServerContext ctx) {
    this.ctx = ctx;
  }

  void mount(ContractRouter ops) {
    ops.on("getCluster", rc -> Responses.reply(rc, ctx.store().cluster().instances()
        .compose(instances -> ctx.store().cluster().leases().map(leases -> render(instances, leases)))));
  }

  private JsonObject render(List<ClusterStore.Instance> instances, List<ClusterStore.Lease> leases) {
    long now = ctx.now();
    JsonArray instanceList = new JsonArray();
    instances.forEach(i -> instanceList.add(new JsonObject().put("id", i.id()).put("host", i.host()).put("url", i.url())
        .put("version", i.version()).put("started_at", time(i.startedAt())).put("heartbeat_at", time(i.heartbeatAt()))
        .put("alive", now - i.heartbeatAt() < Leases.TTL_MILLIS)));
    JsonArray leaseList = new JsonArray();
    leases.forEach(l -> leaseList.add(new JsonObject().put("name", l.name()).put("owner", l.owner())
        .put("token", l.token()).put("acquired_at", time(l.acquiredAt())).put("expires_at", time(l.expiresAt()))
        .put("expired", l.expiresAt() < now)));
    return new JsonObject().put("this_instance", ctx.leases().owner()).put("instances", instanceList)
        .put("leases", leaseList);
  }

  private static String time(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }
}

package dev.simpletuner.cloud.server.cluster;

import dev.simpletuner.cloud.server.Server;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.store.ClusterStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's membership of the cluster of servers sharing one database: a heartbeat row,
 * renewal of the leases it holds, and (on PostgreSQL) the relay of job events between instances.
 */
public final class ClusterVerticle extends VerticleBase {
  static final long HEARTBEAT_MILLIS = 5_000;
  /** Instances silent this long are dropped from the list. */
  private static final long FORGET_AFTER_MILLIS = 24 * 3600_000L;
  private static final Logger LOG = LoggerFactory.getLogger(ClusterVerticle.class);

  private final ServerContext ctx;
  private final String hostName;
  private EventBridge bridge;
  private long timer = -1;

  public ClusterVerticle(ServerContext ctx) {
    this.ctx = ctx;
    String name;
    try {
      name = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      name = "unknown";
    }
    this.hostName = name;
  }

  @Override
  public Future<?> start() {
    bridge = new EventBridge(vertx, ctx, ctx.leases().owner());
    Future<Void> relay = ctx.store().postgresOptions().map(bridge::start).orElse(Future.succeededFuture());
    return relay.compose(v -> beat()).onSuccess(v -> timer = vertx.setPeriodic(HEARTBEAT_MILLIS, id -> beat()
        .onFailure(e -> LOG.warn("Cluster heartbeat failed: {}", e.getMessage()))));
  }

  private Future<Void> beat() {
    long now = ctx.now();
    ClusterStore cluster = ctx.store().cluster();
    return cluster.heartbeat(new ClusterStore.Instance(ctx.leases().owner(), hostName, ctx.localBaseUrl(),
            Server.VERSION, ctx.startedAt(), now))
        .compose(v -> ctx.leases().renew())
        .compose(v -> cluster.forgetInstances(now - FORGET_AFTER_MILLIS));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return ctx.leases().releaseAll().eventually(() -> bridge.stop());
  }
}

package dev.simpletuner.cloud.server.notify;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.store.NotificationStore;
import dev.simpletuner.cloud.server.store.NotificationStore.Attempt;
import dev.simpletuner.cloud.server.store.NotificationStore.Channel;
import dev.simpletuner.cloud.server.store.NotificationStore.Message;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers notifications: on a tick (and soon after each timeline entry), under the cluster's
 * "notifications" lease, routes new timeline entries into the outbox and sends what is due. A
 * failed send waits twice as long each time; after the last attempt, or an answer that retrying
 * cannot change, the message is dead (shown as such in the history).
 */
public final class NotificationVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(NotificationVerticle.class);
  static final String LEASE = "notifications";
  private static final long TICK_MS = 1000;
  private static final int SEND_BATCH = 20;
  private static final long ASK_EVERY_MS = 5000;
  // A busy trainer adds timeline entries many times a second; one pass shortly after the first of
  // them routes them all, instead of a pass (and a cursor write) per entry.
  private static final long SOON_MS = 100;
  private final ServerContext ctx;
  private final DeliveryRules rules;
  private NotificationStore store;
  private TimelineRouter router;
  private Senders senders;
  private boolean busy;
  private boolean again;
  private long lastAsked = Long.MIN_VALUE / 2;
  private boolean wakeSet;

  public NotificationVerticle(ServerContext ctx) {
    this.ctx = ctx;
    this.rules = DeliveryRules.from(ctx.env());
  }

  @Override
  public Future<?> start() {
    store = ctx.store().notifications();
    router = new TimelineRouter(ctx);
    senders = Senders.of(vertx, ctx, rules);
    vertx.eventBus().localConsumer(Addresses.JOB_TIMELINE, m -> soon());
    vertx.setPeriodic(TICK_MS, id -> tick());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    senders.close();
    return Future.succeededFuture();
  }

  private void soon() {
    if (!wakeSet) {
      wakeSet = true;
      vertx.setTimer(SOON_MS, id -> {
        wakeSet = false;
        tick();
      });
    }
  }

  /** One pass at a time; a wake-up during a pass runs another right after it. */
  private void tick() {
    if (busy) {
      again = true;
      return;
    }
    // A lease already held is kept by the cluster heartbeat, and one held elsewhere is asked for every few
    // seconds only: asking on every wake-up would be a database write each time.
    boolean held = ctx.leases().token(LEASE) != null;
    if (!held && ctx.now() - lastAsked < ASK_EVERY_MS) {
      return;
    }
    busy = true;
    if (!held) {
      lastAsked = ctx.now();
    }
    Future<Void> run = held ? pass() : ctx.leases().whileHolding(LEASE, this::pass);
    run.onFailure(e -> LOG.warn("Delivering notifications failed: {}", e.getMessage()))
        .onComplete(ar -> {
          busy = false;
          if (again) {
            again = false;
            tick();
          }
        });
  }

  private Future<Void> pass() {
    return routeAll().compose(v -> deliverDue());
  }

  private Future<Void> routeAll() {
    return router.route().compose(more -> more ? routeAll() : routeServer());
  }

  private Future<Void> routeServer() {
    return router.routeServer().compose(more -> more ? routeServer() : Future.succeededFuture());
  }

  private Future<Void> deliverDue() {
    return store.due(ctx.now(), SEND_BATCH).compose(due -> due.isEmpty() ? Future.succeededFuture()
        : store.channels().compose(all -> {
          Map<Long, Channel> channels = all.stream().collect(Collectors.toMap(Channel::id, Function.identity()));
          return Future.join(due.stream().map(m -> deliver(m, channels.get(m.channelId()))).toList());
        }).mapEmpty());
  }

  private Future<Boolean> deliver(Message m, Channel channel) {
    long at = ctx.now();
    int attempt = m.attempts() + 1;
    if (channel == null || !channel.enabled()) {
      String why = channel == null ? "The channel was deleted." : "The channel is disabled.";
      return store.attempted(m, new Attempt(m.id(), attempt, at, null, why, 0), "dead", at);
    }
    return senders.send(channel, "msg_" + m.id(), m.recipient(), m.payload()).compose(outcome -> {
      String status = outcome.delivered() ? "delivered"
          : outcome.permanent() || attempt >= rules.maxAttempts() ? "dead" : "pending";
      long next = "pending".equals(status) ? ctx.now() + Math.max(rules.delayAfter(attempt),
          Math.min(outcome.retryAfterMs(), DeliveryRules.MAX_DELAY_MS)) : ctx.now();
      if (!outcome.delivered()) {
        LOG.info("Notification {} to channel {} failed (attempt {} of {}): {}", m.id(), channel.id(), attempt,
            rules.maxAttempts(), outcome.error());
      }
      return store.attempted(m, new Attempt(m.id(), attempt, at, outcome.statusCode(), outcome.error(),
          outcome.latencyMs()), status, next);
    });
  }
}

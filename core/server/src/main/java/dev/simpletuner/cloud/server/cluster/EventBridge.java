package dev.simpletuner.cloud.server.cluster;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.job.JobView;
import dev.simpletuner.cloud.server.store.LogStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays job events between instances through PostgreSQL {@code LISTEN/NOTIFY}, so that a browser
 * or CI client connected to any instance sees every change. Job changes and deletions are announced
 * by a trigger in the very transaction that writes them (no change goes unannounced, even if its
 * writer dies right after); receivers read the job itself, so the newest state wins whatever order
 * notices arrive in. Log lines and timeline entries are relayed by their publisher, whole when they
 * fit in a notification (both are stored too, and read back by clients that reconnect).
 */
final class EventBridge {
  static final String CHANNEL = "simpletuner_events";
  /** Written by the {@code jobs_notify} trigger: {@code {o: instance, job_id, deleted?}}. */
  static final String JOBS_CHANNEL = "simpletuner_jobs";
  private static final Logger LOG = LoggerFactory.getLogger(EventBridge.class);
  /** PostgreSQL refuses notification payloads from 8000 bytes on. */
  private static final int MAX_PAYLOAD = 7_500;
  private static final long COALESCE_MS = 50;
  /** Relayed whole; the fleet's wake-ups and stream ends reach the instance holding a worker's stream. */
  private static final List<String> RELAYED = List.of(Addresses.JOB_TIMELINE, Addresses.JOB_LOG_LINES,
      Addresses.FLEET_DISPATCH, Addresses.WORKER_STREAM_END);

  private final Vertx vertx;
  private final ServerContext ctx;
  private final String origin;
  /** Jobs changed by other instances, to be read at the end of the current window. */
  private final Map<String, DeliveryOptions> pending = new LinkedHashMap<>();
  private PgSubscriber subscriber;

  EventBridge(Vertx vertx, ServerContext ctx, String origin) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.origin = origin;
  }

  Future<Void> start(PgConnectOptions options) {
    for (String address : RELAYED) {
      vertx.eventBus().<JsonObject>consumer(address, m -> {
        if (!ClusterEvents.isRemote(m)) {
          relay(address, m.body() == null ? new JsonObject() : m.body());
        }
      });
    }
    subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> 1_000L);
    subscriber.channel(CHANNEL).handler(this::received);
    subscriber.channel(JOBS_CHANNEL).handler(this::jobWritten)
        .subscribeHandler(v -> ctx.store().jobs().othersAnnounceWrites(true));
    // Notices missed while disconnected would leave cached jobs stale: cache less until back.
    subscriber.closeHandler(v -> ctx.store().jobs().othersAnnounceWrites(false));
    return subscriber.connect();
  }

  Future<Void> stop() {
    return subscriber == null ? Future.succeededFuture() : subscriber.close();
  }

  private void relay(String address, JsonObject body) {
    JsonObject note = new JsonObject().put("o", origin).put("a", address).put("job_id", body.getString("job_id"));
    JsonObject whole = note.copy().put("body", body);
    if (whole.encode().getBytes(StandardCharsets.UTF_8).length < MAX_PAYLOAD) {
      note = whole;
    } else if (address.equals(Addresses.JOB_LOG_LINES)) {
      note.put("first_seq", body.getLong("first_seq")).put("count", body.getJsonArray("lines").size());
    } else {
      return; // an oversized timeline entry: other instances' clients see it when they reload the timeline
    }
    ctx.store().cluster().notify(CHANNEL, note.encode())
        .onFailure(e -> LOG.warn("Could not relay a job event to other instances: {}", e.getMessage()));
  }

  private void received(String payload) {
    JsonObject note = remote(payload);
    if (note == null) {
      return;
    }
    String jobId = note.getString("job_id");
    String address = note.getString("a", "");
    DeliveryOptions from = ClusterEvents.from(note.getString("o"));
    if (note.containsKey("body") && RELAYED.contains(address)) {
      vertx.eventBus().publish(address, note.getJsonObject("body"), from);
    } else if (address.equals(Addresses.JOB_LOG_LINES)) {
      long first = note.getLong("first_seq", 1L);
      ctx.store().logs().after(jobId, first - 1, note.getInteger("count", 0)).onSuccess(lines ->
          vertx.eventBus().publish(address, new JsonObject().put("job_id", jobId).put("first_seq", first)
              .put("lines", new JsonArray(lines.stream().map(LogStore.Line::text).toList())), from));
    }
  }

  private void jobWritten(String payload) {
    JsonObject note = remote(payload);
    if (note == null) {
      return;
    }
    String jobId = note.getString("job_id");
    if (jobId == null) {
      return;
    }
    ctx.store().jobs().invalidate(jobId);
    DeliveryOptions from = ClusterEvents.from(note.getString("o"));
    if (note.getBoolean("deleted", false)) {
      vertx.eventBus().publish(Addresses.JOB_DELETED, new JsonObject().put("job_id", jobId), from);
    } else {
      reload(jobId, from);
    }
  }

  /** The notice as JSON when another instance sent it; else null. */
  private JsonObject remote(String payload) {
    try {
      JsonObject note = new JsonObject(payload);
      String from = note.getString("o");
      return from == null || from.equals(origin) ? null : note;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Reads the changed jobs and publishes them, many changes at once: notices arriving within a
   * short window (a busy cluster writes each job several times a second) cost one query.
   */
  private void reload(String jobId, DeliveryOptions remote) {
    if (pending.isEmpty()) {
      vertx.setTimer(COALESCE_MS, id -> flush());
    }
    pending.put(jobId, remote);
  }

  private void flush() {
    Map<String, DeliveryOptions> batch = new LinkedHashMap<>(pending);
    pending.clear();
    ctx.store().jobs().summaries(batch.keySet())
        .onSuccess(jobs -> jobs.forEach(job -> vertx.eventBus().publish(Addresses.JOB_CHANGED,
            JobView.render(job, null, false, ctx.now()), batch.get(job.jobId()))))
        .onFailure(e -> LOG.warn("Could not read {} job(s) changed by other instances: {}", batch.size(),
            e.getMessage()));
  }
}

package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Sse;
import dev.simpletuner.cloud.server.access.JobAccess;
import dev.simpletuner.cloud.server.auth.Principal;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.store.LogStore.Line;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /api/cloud/jobs/{id}/logs/stream}: backlog, then new lines as they are stored, each
 * with its line number as the event id so a client can resume with {@code Last-Event-ID}. Ends with
 * {@code event: done} once the job has ended.
 */
final class LogStream {
  private static final int DEFAULT_BACKLOG = 200;
  private static final int MAX_RESUME = 100_000;
  private final ServerContext ctx;

  LogStream(ServerContext ctx) {
    this.ctx = ctx;
  }

  void handle(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    String jobId = Params.path(rc, "job_id");
    int backlog = Params.queryInt(rc, "tail", DEFAULT_BACKLOG);
    Long resumeAfter = lastEventId(rc);
    ctx.store().jobs().get(jobId).onFailure(rc::fail).onSuccess(found -> {
      try {
        JobAccess.require(principal, jobId, found);
      } catch (RuntimeException e) {
        rc.fail(e);
        return;
      }
      new Session(rc, jobId).start(resumeAfter, backlog);
    });
  }

  private static Long lastEventId(RoutingContext rc) {
    String header = rc.request().getHeader("Last-Event-ID");
    if (header == null || !header.strip().matches("\\d{1,18}")) {
      return null;
    }
    return Long.parseLong(header.strip());
  }

  /** One client's stream. Live lines that arrive while the backlog loads are held, then deduplicated. */
  private final class Session {
    private final RoutingContext rc;
    private final String jobId;
    private final List<JsonObject> held = new ArrayList<>();
    private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
    private Sse sse;
    private boolean live;
    private long lastSent;
    private String endedWith;

    Session(RoutingContext rc, String jobId) {
      this.rc = rc;
      this.jobId = jobId;
    }

    void start(Long resumeAfter, int backlog) {
      sse = Sse.open(rc, () -> consumers.forEach(MessageConsumer::unregister));
      consumers.add(rc.vertx().eventBus().<JsonObject>consumer(Addresses.JOB_LOG_LINES, m -> {
        if (jobId.equals(m.body().getString("job_id"))) {
          onLines(m.body());
        }
      }));
      consumers.add(rc.vertx().eventBus().<JsonObject>consumer(Addresses.JOB_CHANGED, m -> {
        if (jobId.equals(m.body().getString("job_id")) && m.body().getBoolean("is_terminal", false)) {
          finish(m.body().getString("status"));
        }
      }));
      Future<List<Line>> first = resumeAfter != null
          ? ctx.store().logs().after(jobId, resumeAfter, MAX_RESUME)
          : backlog == 0 ? Future.succeededFuture(List.of()) : ctx.store().logs().tail(jobId, backlog);
      first.compose(lines -> {
        lines.forEach(line -> sendLine(line.seq(), line.text()));
        if (resumeAfter != null && lines.isEmpty()) {
          lastSent = resumeAfter;
        }
        return ctx.store().jobs().get(jobId);
      }).onSuccess(job -> {
        live = true;
        held.forEach(this::onLines);
        held.clear();
        if (job.map(Job::status).map(JobStatus::isTerminal).orElse(true)) {
          finish(job.map(j -> j.status().wireName()).orElse("deleted"));
        } else if (endedWith != null) {
          finish(endedWith);
        }
      }).onFailure(e -> sse.end());
    }

    private void onLines(JsonObject message) {
      if (!live) {
        held.add(message);
        return;
      }
      long seq = message.getLong("first_seq");
      JsonArray lines = message.getJsonArray("lines");
      for (int i = 0; i < lines.size(); i++, seq++) {
        if (seq > lastSent) {
          sendLine(seq, lines.getString(i));
        }
      }
    }

    private void sendLine(long seq, String text) {
      sse.send(null, String.valueOf(seq), text);
      lastSent = seq;
    }

    private void finish(String status) {
      if (!live) {
        endedWith = status;
        return;
      }
      sse.send("done", null, status);
      sse.end();
    }
  }
}

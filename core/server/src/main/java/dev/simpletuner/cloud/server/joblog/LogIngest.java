package dev.simpletuner.cloud.server.joblog;

import dev.simpletuner.cloud.server.callback.ProgressReading;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobEvents;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.store.JobUpdate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Stores log lines, keeps only the newest {@code logLinesPerJob} per job, tells live viewers, and
 * reads progress and events from the lines ({@link ConsoleReader}) when the trainer's callbacks do
 * not arrive.
 */
public final class LogIngest {
  /** Callback progress is trusted over log parsing for this long after it arrives. */
  private static final long CALLBACK_PRECEDENCE_MS = 30_000;
  private static final int TRIM_EVERY = 1000;

  private final Vertx vertx;
  private final ServerContext ctx;
  private final JobEvents events;
  private final Map<String, Long> nextSeq = new HashMap<>();

  public LogIngest(Vertx vertx, ServerContext ctx, JobEvents events) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.events = events;
  }

  /**
   * Call from the job's queue, so lines of one job are numbered in order.
   *
   * @return the events the lines stand for (the Replicate model's receiver lines), for the caller
   *         to apply
   */
  public Future<List<JsonObject>> append(String jobId, List<String> lines) {
    if (lines.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Future<Long> first = nextSeq.containsKey(jobId) ? Future.succeededFuture(nextSeq.get(jobId))
        : ctx.store().logs().lastSeq(jobId).map(last -> last + 1);
    return first.compose(seq -> ctx.store().logs().append(jobId, seq, lines, ctx.now())
        .compose(v -> {
          long last = seq + lines.size() - 1;
          nextSeq.put(jobId, last + 1);
          vertx.eventBus().publish(Addresses.JOB_LOG_LINES, new JsonObject().put("job_id", jobId)
              .put("first_seq", seq).put("lines", new JsonArray(lines)));
          boolean crossed = (seq - 1) / TRIM_EVERY != last / TRIM_EVERY;
          long keepAfter = last - ctx.config().logLinesPerJob();
          return crossed && keepAfter > 0 ? ctx.store().logs().trim(jobId, keepAfter) : Future.<Void>succeededFuture();
        })
        .compose(v -> {
          ConsoleReader.Reading reading = ConsoleReader.read(lines);
          return progressFrom(jobId, reading.progress()).map(reading.events());
        }));
  }

  /** The trainer's unfinished console line (a progress bar being redrawn): progress only. */
  public Future<Void> partial(String jobId, String line) {
    return progressFrom(jobId, ConsoleReader.read(List.of(line)).progress());
  }

  /** Forgets the cached line counter of a finished job. */
  public void forget(String jobId) {
    nextSeq.remove(jobId);
  }

  private Future<Void> progressFrom(String jobId, ProgressReading reading) {
    if (reading == null) {
      return Future.succeededFuture();
    }
    return ctx.store().jobs().get(jobId).compose(found -> {
      if (found.isEmpty() || !found.get().status().isActive()) {
        return Future.succeededFuture();
      }
      Job job = found.get();
      JsonObject stored = job.progress();
      long now = ctx.now();
      if (stored != null && "callback".equals(stored.getString("source"))
          && now - stored.getLong("updated_at", 0L) < CALLBACK_PRECEDENCE_MS) {
        return Future.succeededFuture();
      }
      JsonObject merged = reading.mergeInto(stored, "log", now, job.startedAt());
      return events.update(jobId, JobUpdate.create().progress(merged)).compose(v -> events.chart(jobId, reading));
    });
  }
}

package dev.simpletuner.cloud.server.polling;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.joblog.ConsoleReader;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies the logs of cloud jobs into the job log. Providers hand out the whole log each time
 * (Replicate's predictions do, in GETs and in its {@code logs} webhooks); only what is new since
 * the last read is looked at: the position reached is kept per job, in characters and lines. A
 * fresh instance (after a restart, or another instance of a cluster) finds its place once by
 * counting the lines already stored. The unfinished last line (a progress bar redrawn with
 * {@code \r}) is read for progress and stored once it ends. A job's log is read by one fetch at a
 * time, and the next read starts after the lines are stored.
 */
final class CloudLogFollower {
  private static final int JOBS_PER_ROUND = 10;
  private final Vertx vertx;
  private final ServerContext ctx;
  private final Map<String, Long> lastFetched = new HashMap<>();
  private final Map<String, Position> positions = new HashMap<>();
  private final Map<String, Future<Void>> reading = new HashMap<>();

  /** Where reading stopped: after {@code chars} characters, which held {@code lines} complete lines. */
  private record Position(int chars, long lines, String partial) {
  }

  CloudLogFollower(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
  }

  /** Refreshes the logs of the running jobs that waited longest. */
  Future<Void> round(List<Job> active) {
    List<Job> running = new ArrayList<>();
    for (Job job : active) {
      if (job.status() == JobStatus.RUNNING && job.externalId() != null && !job.jobType().wireName().equals("local")) {
        running.add(job);
      }
    }
    running.sort(Comparator.comparingLong(j -> lastFetched.getOrDefault(j.jobId(), 0L)));
    List<Future<Void>> fetches = new ArrayList<>();
    for (Job job : running.subList(0, Math.min(JOBS_PER_ROUND, running.size()))) {
      fetches.add(fetch(job, false));
    }
    return Future.join(fetches).mapEmpty();
  }

  /** Fetches a job's log; {@code ended} also takes the last, unterminated line. */
  Future<Void> fetch(Job job, boolean ended) {
    ProviderHandle handle = ctx.providers().get(job.provider()).orElse(null);
    if (handle == null || handle.reportsStatus() || job.externalId() == null) {
      return Future.succeededFuture();
    }
    lastFetched.put(job.jobId(), ctx.now());
    return handle.logs(job.externalId())
        .compose(text -> read(job.jobId(), text, ended))
        .recover(e -> Future.succeededFuture());
  }

  /** Takes the new part of a job's whole log, as a provider reported it. */
  Future<Void> read(String jobId, String log, boolean ended) {
    if (log == null) {
      return Future.succeededFuture();
    }
    lastFetched.put(jobId, ctx.now());
    Future<Void> previous = reading.getOrDefault(jobId, Future.succeededFuture());
    Future<Void> next = previous.transform(ar -> take(jobId, log, ended));
    reading.put(jobId, next);
    next.onComplete(ar -> {
      if (reading.get(jobId) == next) {
        reading.remove(jobId);
      }
      if (ended) {
        forget(jobId);
      }
    });
    return next;
  }

  private Future<Void> take(String jobId, String log, boolean ended) {
    Position known = positions.get(jobId);
    Future<Position> start = known != null && known.chars() <= log.length() ? Future.succeededFuture(known)
        : ctx.store().logs().lastSeq(jobId).map(stored -> after(log, stored));
    return start.compose(from -> {
      int lastNewline = log.lastIndexOf('\n');
      List<String> lines = new ArrayList<>();
      int end = from.chars();
      if (lastNewline >= from.chars()) {
        for (String line : log.substring(from.chars(), lastNewline).split("\n", -1)) {
          lines.add(ConsoleReader.clean(line));
        }
        end = lastNewline + 1;
      }
      String tail = log.substring(Math.max(end, from.chars()));
      if (ended && !tail.isEmpty()) {
        lines.add(ConsoleReader.clean(tail));
        end = log.length();
        tail = "";
      }
      Position reached = new Position(end, from.lines() + lines.size(), tail);
      String partial = ConsoleReader.clean(tail);
      boolean newPartial = !partial.isBlank() && !tail.equals(from.partial());
      Future<?> stored = lines.isEmpty() ? Future.succeededFuture()
          : vertx.eventBus().request(Addresses.JOB_PROVIDER_LOGS, new JsonObject().put("job_id", jobId)
              .put("lines", new JsonArray(new ArrayList<>(lines))));
      return stored.map(v -> {
        positions.put(jobId, reached);
        if (newPartial) {
          vertx.eventBus().send(Addresses.JOB_PROVIDER_LOGS, new JsonObject().put("job_id", jobId)
              .put("partial", partial));
        }
        return (Void) null;
      });
    });
  }

  /** The position after the first {@code storedLines} complete lines of {@code log}. */
  private static Position after(String log, long storedLines) {
    int at = 0;
    long lines = 0;
    while (lines < storedLines) {
      int nl = log.indexOf('\n', at);
      if (nl < 0) {
        break;
      }
      at = nl + 1;
      lines++;
    }
    return new Position(at, lines, null);
  }

  void forget(String jobId) {
    lastFetched.remove(jobId);
    positions.remove(jobId);
  }
}

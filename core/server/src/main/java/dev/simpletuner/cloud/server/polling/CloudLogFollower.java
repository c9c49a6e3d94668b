package dev.simpletuner.cloud.server.polling;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies the logs of cloud jobs into the job log. Providers hand out the whole log each time, so
 * a few running jobs are refreshed per round (those waited longest first), and every job once
 * more when it ends. Lines already stored are skipped by count; an unfinished last line waits.
 */
final class CloudLogFollower {
  private static final int JOBS_PER_ROUND = 10;
  private final Vertx vertx;
  private final ServerContext ctx;
  private final Map<String, Long> lastFetched = new HashMap<>();

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
    if (handle == null || handle.provider().reportsStatus() || job.externalId() == null) {
      return Future.succeededFuture();
    }
    lastFetched.put(job.jobId(), ctx.now());
    if (ended) {
      lastFetched.remove(job.jobId());
    }
    Future<String> text = handle.guarded(() -> handle.provider().logs(job.externalId()));
    Future<Long> stored = ctx.store().logs().lastSeq(job.jobId());
    return Future.all(text, stored).compose(done -> {
      String log = text.result() == null ? "" : text.result();
      List<String> lines = new ArrayList<>(Arrays.asList(log.split("\r?\n", -1)));
      String last = lines.remove(lines.size() - 1);
      if (ended && !last.isEmpty()) {
        lines.add(last);
      }
      long skip = stored.result();
      if (lines.size() > skip) {
        vertx.eventBus().send(Addresses.JOB_PROVIDER_LOGS, new JsonObject().put("job_id", job.jobId())
            .put("lines", new JsonArray(new ArrayList<>(lines.subList((int) skip, lines.size())))));
      }
      return Future.<Void>succeededFuture();
    }).recover(e -> Future.succeededFuture());
  }

  void forget(String jobId) {
    lastFetched.remove(jobId);
  }
}

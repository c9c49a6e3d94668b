package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobView;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/cloud/jobs/{id}} bodies of ended jobs, which no longer change with time: CI loops
 * and dashboards ask for the same finished job again and again. Keyed by the job's row version, so
 * a later change (a delivery status, say) renders afresh. One per HTTP verticle (event-loop
 * confined).
 */
final class RenderedJobs {
  private record Entry(long version, Buffer body) {
  }

  private static final int CAPACITY = 1_000;
  private final Map<String, Entry> entries = new LinkedHashMap<>(CAPACITY, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
      return size() > CAPACITY;
    }
  };

  /** @param worker what a worker job adds (its attempts), or null; settled before the job ended */
  Buffer body(Job job, Long queuePosition, JsonObject worker, long now) {
    if (!job.status().isTerminal()) {
      return render(job, queuePosition, worker, now);
    }
    Entry e = entries.get(job.jobId());
    if (e == null || e.version() != job.version()) {
      e = new Entry(job.version(), render(job, null, worker, now));
      entries.put(job.jobId(), e);
    }
    return e.body();
  }

  private static Buffer render(Job job, Long queuePosition, JsonObject worker, long now) {
    JsonObject view = JobView.render(job, queuePosition, true, now);
    if (worker != null) {
      view.mergeIn(worker);
    }
    return new JsonObject().put("job", view).toBuffer();
  }
}

package dev.simpletuner.cloud.spi;

import io.vertx.core.Future;
import java.util.List;

/**
 * How a provider tells the host about jobs without being asked (process exits, log lines). The
 * host decides what a report means for the job; a report about a job that has already ended is
 * ignored. Safe to call from any thread.
 */
public interface JobReporter {

  /** The job's provider-side status changed; completes once the host has recorded it. */
  Future<Void> status(String jobId, ProviderJobStatus status);

  /** New complete log lines, in order. */
  void log(String jobId, List<String> lines);

  /**
   * The trainer's current, unfinished console line: a progress bar redrawn with {@code \r}. Read
   * for progress, not stored (the line is logged once it ends).
   */
  default void console(String jobId, String partialLine) {
  }

  /** How many log lines the host has recorded for the job so far (to resume a tail after a restart). */
  Future<Long> loggedLines(String jobId);
}

package dev.simpletuner.cloud.provider.local;

import dev.simpletuner.cloud.spi.JobReporter;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.ProviderStatus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches one running trainer: forwards its log lines, reports how it ended, and stops it on
 * request. All state changes happen on one Vert.x context; file reads run on its worker queue.
 */
final class TrainerProcess {
  private static final long PUMP_INTERVAL_MS = 250;

  private final Context context;
  private final String jobId;
  private final WorkDir dir;
  private final ProcessHandle handle;
  private final Process child;
  private final LogTail tail;
  private final JobReporter reporter;
  private final Promise<Void> exited = Promise.promise();
  private final Promise<Void> finished = Promise.promise();
  private final Instant startedAt;
  private long timer = -1;
  private boolean pumping;
  private final ConsoleExcerpt excerpt = new ConsoleExcerpt();
  private final Set<ProcessHandle> tree = ConcurrentHashMap.newKeySet();
  private String lastPartial;
  private volatile ProviderJobStatus stopOutcome;

  /** @param child the {@link Process} when this server started it; null when re-attached after a restart */
  TrainerProcess(Context context, String jobId, WorkDir dir, ProcessHandle handle, Process child, LogTail tail,
                 JobReporter reporter) {
    this.context = context;
    this.jobId = jobId;
    this.dir = dir;
    this.handle = handle;
    this.child = child;
    this.tail = tail;
    this.reporter = reporter;
    this.startedAt = handle.info().startInstant().orElse(Instant.now());
  }

  String jobId() {
    return jobId;
  }

  boolean isAlive() {
    return handle.isAlive();
  }

  Instant startedAt() {
    return startedAt;
  }

  /** Completes once the outcome has been reported to the host. */
  Future<Void> finished() {
    return finished.future();
  }

  void watch() {
    context.runOnContext(v -> timer = context.owner().setPeriodic(PUMP_INTERVAL_MS, id -> pump(false)));
    (child != null ? child.onExit().thenApply(Process::toHandle) : handle.onExit())
        .whenComplete((h, e) -> context.runOnContext(v -> onExit()));
  }

  /**
   * Stops the whole process tree: SIGTERM, then SIGKILL after {@code grace}. The job is reported
   * with {@code outcome} instead of its exit status. Completes when the process has exited (the
   * report follows on its own; see {@link #finished()}).
   */
  Future<Void> stop(ProviderJobStatus outcome, Duration grace) {
    stopOutcome = outcome;
    if (!handle.isAlive()) {
      return exited.future();
    }
    context.executeBlocking(() -> {
      ProcessGroups.signal(handle, tree, "TERM");
      return null;
    });
    // The tree is killed after the grace even when the leader exited on SIGTERM: a child that
    // ignores SIGTERM would otherwise outlive the job.
    context.owner().setTimer(Math.max(1, grace.toMillis()), id -> context.executeBlocking(() -> {
      ProcessGroups.signal(handle, tree, "KILL");
      return null;
    }));
    return exited.future();
  }

  private Future<Void> pump(boolean flush) {
    if (pumping && !flush) {
      return Future.succeededFuture();
    }
    pumping = true;
    return context.executeBlocking(() -> tail.read(flush))
        .map(lines -> {
          forward(lines);
          String partial = flush ? null : tail.pending();
          if (partial != null && !partial.equals(lastPartial)) {
            reporter.console(jobId, partial);
          }
          lastPartial = partial;
          return (Void) null;
        })
        .eventually(() -> {
          pumping = false;
          return Future.succeededFuture();
        });
  }

  private void forward(List<String> lines) {
    if (lines.isEmpty()) {
      return;
    }
    excerpt.read(lines);
    reporter.log(jobId, lines);
  }

  private void onExit() {
    exited.tryComplete();
    context.owner().cancelTimer(timer);
    pump(true)
        .recover(e -> Future.succeededFuture())
        .compose(v -> context.executeBlocking(this::outcome))
        .compose(status -> reporter.status(jobId, status))
        .onComplete(ar -> finished.tryComplete());
  }

  private ProviderJobStatus outcome() throws Exception {
    Instant now = Instant.now();
    double seconds = Duration.between(startedAt, now).toMillis() / 1000.0;
    if (stopOutcome != null) {
      ProviderJobStatus s = stopOutcome;
      return new ProviderJobStatus(jobId, s.status(), s.errorMessage(), startedAt, now, seconds, null);
    }
    Integer code = child != null ? Integer.valueOf(child.exitValue()) : dir.exitStatus().orElse(null);
    if (code != null && code == 0) {
      return new ProviderJobStatus(jobId, ProviderStatus.SUCCEEDED, null, startedAt, now, seconds,
          TrainerConfig.outputDirOf(dir).toUri().toString());
    }
    return new ProviderJobStatus(jobId, ProviderStatus.FAILED, failureMessage(code), startedAt, now, seconds, null);
  }

  private String failureMessage(Integer code) {
    String why;
    if (code == null) {
      why = "The trainer ended while the server was down, and its exit status was not recorded.";
    } else if (code > 128) {
      why = "The trainer was killed by signal " + (code - 128) + " (exit status " + code + ").";
    } else {
      why = "The trainer exited with status " + code + ".";
    }
    String last = excerpt.best();
    return last == null ? why : why + ProviderJobStatus.LAST_OUTPUT + last;
  }
}

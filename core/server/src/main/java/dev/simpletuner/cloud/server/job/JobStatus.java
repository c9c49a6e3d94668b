package dev.simpletuner.cloud.server.job;

import dev.simpletuner.cloud.spi.ProviderStatus;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Job statuses and the only place their transitions are defined. Terminal statuses never change
 * again, so late or duplicate provider events cannot revive a job.
 */
public enum JobStatus {
  PENDING, PENDING_APPROVAL, UPLOADING, QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED;

  public static final Set<JobStatus> ACTIVE = EnumSet.of(PENDING, PENDING_APPROVAL, UPLOADING, QUEUED, RUNNING);
  public static final Set<JobStatus> TERMINAL = EnumSet.of(COMPLETED, FAILED, CANCELLED);

  /**
   * The one move back: a worker job whose worker was lost returns to the queue from here (see
   * {@code JobCommand.Requeue}); {@link #canMoveTo} never allows it, so no provider report can.
   */
  public static final Set<JobStatus> REQUEUE_FROM = EnumSet.of(QUEUED, RUNNING);

  public boolean isTerminal() {
    return TERMINAL.contains(this);
  }

  public boolean isActive() {
    return ACTIVE.contains(this);
  }

  /** Whether a job may move from this status to {@code next}. Staying put is not a transition. */
  public boolean canMoveTo(JobStatus next) {
    return switch (this) {
      case PENDING -> next != PENDING;
      case PENDING_APPROVAL -> EnumSet.of(PENDING, UPLOADING, QUEUED, FAILED, CANCELLED).contains(next);
      case UPLOADING -> EnumSet.of(QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED).contains(next);
      case QUEUED -> EnumSet.of(RUNNING, COMPLETED, FAILED, CANCELLED).contains(next);
      case RUNNING -> EnumSet.of(COMPLETED, FAILED, CANCELLED).contains(next);
      case COMPLETED, FAILED, CANCELLED -> false;
    };
  }

  /** Every status a job may come from to reach {@code target}. */
  public static Set<JobStatus> sourcesOf(JobStatus target) {
    Set<JobStatus> sources = EnumSet.noneOf(JobStatus.class);
    for (JobStatus s : values()) {
      if (s.canMoveTo(target)) {
        sources.add(s);
      }
    }
    return sources;
  }

  public static JobStatus fromProvider(ProviderStatus status) {
    return switch (status) {
      case QUEUED -> QUEUED;
      case RUNNING -> RUNNING;
      case SUCCEEDED -> COMPLETED;
      case FAILED -> FAILED;
      case CANCELLED -> CANCELLED;
    };
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the API's lowercase form; null when unknown. */
  public static JobStatus parse(String value) {
    for (JobStatus s : values()) {
      if (s.wireName().equals(value)) {
        return s;
      }
    }
    return null;
  }
}

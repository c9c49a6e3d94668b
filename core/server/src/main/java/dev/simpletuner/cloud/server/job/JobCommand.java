package dev.simpletuner.cloud.server.job;

import dev.simpletuner.cloud.server.callback.TrainerEvent;
import dev.simpletuner.cloud.server.submit.SubmitRequest;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import io.vertx.core.json.JsonArray;
import java.util.Objects;

/**
 * What the job lifecycle (the one writer of job state) is asked to do, as it receives it over the
 * event bus ({@code Bus.ask}); each answer is a {@link JobAnswer}. Commands of people carry their
 * caller, which is never defaulted; JSON documents in them (a config, an event) are not touched by
 * the sender once sent. The checks that need no job state (permissions, ownership, the provider's
 * existence) are made before a command is sent, by {@code command.JobCommands}.
 */
public sealed interface JobCommand {

  /** Store a new job (or find the one an idempotency key already made). */
  record Submit(Principal caller, String provider, SubmitRequest request) implements JobCommand {
    public Submit {
      Objects.requireNonNull(caller, "caller");
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(request, "request");
    }
  }

  /** Every check of a submission, with nothing stored, spent or uploaded ({@code ?dry_run=true}). */
  record DryRun(Principal caller, String provider, SubmitRequest request) implements JobCommand {
    public DryRun {
      Objects.requireNonNull(caller, "caller");
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(request, "request");
    }
  }

  /** What a submission would upload and cost, with nothing stored. */
  record Preview(Principal caller, String provider, SubmitRequest request) implements JobCommand {
    public Preview {
      Objects.requireNonNull(caller, "caller");
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(request, "request");
    }
  }

  /** Stop an active job (at its provider first). */
  record Cancel(Principal caller, String jobId) implements JobCommand {
    public Cancel {
      Objects.requireNonNull(caller, "caller");
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /** Remove an ended job with everything kept for it. */
  record Delete(Principal caller, String jobId) implements JobCommand {
    public Delete {
      Objects.requireNonNull(caller, "caller");
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /** Decide an approval request: {@code approved}, {@code rejected} or {@code expired}. */
  record Decide(Principal caller, String requestId, String decision, String notes) implements JobCommand {
    public Decide {
      Objects.requireNonNull(caller, "caller");
      Objects.requireNonNull(requestId, "requestId");
      if (!"approved".equals(decision) && !"rejected".equals(decision) && !"expired".equals(decision)) {
        throw new IllegalArgumentException("unknown decision " + decision);
      }
    }
  }

  /** An event a trainer sent (its job token checked), with the files decoded from its images. */
  record TrainerReport(String jobId, TrainerEvent event, JsonArray media) implements JobCommand {
    public TrainerReport {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(event, "event");
      media = media == null ? new JsonArray() : media;
    }
  }

  /** What a provider says of a job (a webhook, a poll, or its own report). */
  record ProviderReport(String jobId, ProviderJobStatus status) implements JobCommand {
    public ProviderReport {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(status, "status");
    }
  }

  /**
   * A worker job lost the worker it was handed to (silent, gone, or it never took the job): back
   * to the queue, or failed once its retries are spent. Only {@code charged} losses count against
   * them (a job that never reached its worker does not). A job of another provider whose one-job
   * worker (its pod) was lost is {@code bound}: it goes back to the queue to be submitted again, or,
   * when its provider already started a new pod ({@link Bound#KEEP}), stays with it for another attempt.
   */
  record Requeue(String jobId, String workerId, String reason, boolean charged, Bound bound) implements JobCommand {
    public Requeue {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(workerId, "workerId");
      Objects.requireNonNull(reason, "reason");
      bound = bound == null ? Bound.NO : bound;
    }

    public Requeue(String jobId, String workerId, String reason, boolean charged) {
      this(jobId, workerId, reason, charged, Bound.NO);
    }

    /** Whether the worker was a one-job worker its job's provider started, and what becomes of the job. */
    public enum Bound { NO, RESUBMIT, KEEP }
  }

  /** The job's dataset archive reached its provider. */
  record UploadDone(String jobId, String url, long archiveBytes) implements JobCommand {
  }

  /** The job's datasets could not be uploaded. */
  record UploadFailed(String jobId, String error) implements JobCommand {
  }
}

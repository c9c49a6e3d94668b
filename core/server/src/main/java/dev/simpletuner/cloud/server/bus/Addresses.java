package dev.simpletuner.cloud.server.bus;

/**
 * Every event-bus address the server uses. Requests to the job lifecycle are typed
 * ({@code job.JobCommand} records through {@link Bus#ask}); the rest carry JSON objects.
 */
public final class Addresses {
  /** Request: {@code JobCommand.Submit}. Reply: {@code JobAnswer.Submitted}. */
  public static final String JOB_SUBMIT = "jobs.submit";
  /** Request: {@code JobCommand.Preview}, what a submission would upload and cost. Reply: {@code Previewed}. */
  public static final String JOB_PREVIEW = "jobs.preview";
  /** Request: {@code JobCommand.DryRun}, every check of a submission with nothing stored. Reply: {@code DryRan}. */
  public static final String JOB_DRY_RUN = "jobs.dry-run";
  /** Request: {@code {sweep_id}}, submit what a sweep can submit now. Reply: {@code {}} once done. */
  public static final String SWEEP_ADVANCE = "sweeps.advance";
  /** Request: {@code JobCommand.Cancel}. Reply: {@code JobAnswer.Changed}. */
  public static final String JOB_CANCEL = "jobs.cancel";
  /** Request: {@code JobCommand.Delete} of an ended job. Reply: {@code JobAnswer.Deleted}. */
  public static final String JOB_DELETE = "jobs.delete";
  /** Request: {@code JobCommand.TrainerReport}. Reply: {@code JobAnswer.Received}. */
  public static final String JOB_CALLBACK = "jobs.callback";
  /** Request: {@code JobCommand.ProviderReport}. Reply: whether the job ended. */
  public static final String JOB_PROVIDER_STATUS = "jobs.provider-status";
  /**
   * Send: log lines {@code {job_id, lines:[...]}} from a provider; or {@code {job_id, partial}}, the
   * trainer's unfinished console line (a progress bar), read for progress and not stored.
   */
  public static final String JOB_PROVIDER_LOGS = "jobs.provider-logs";
  /**
   * Send: a cloud job's whole log as its provider reported it {@code {job_id, log, ended}}; the log
   * follower takes the part it has not read yet.
   */
  public static final String JOB_LOG_TEXT = "jobs.log-text";
  /** Send: look for queued jobs that can start now. */
  public static final String JOB_DISPATCH = "jobs.dispatch";

  /** Publish: a job changed; body is the job as the API shows it in lists. */
  public static final String JOB_CHANGED = "jobs.changed";
  /** Publish: new log lines {@code {job_id, first_seq, lines}}. */
  public static final String JOB_LOG_LINES = "jobs.log-lines";
  /** Publish: a new timeline entry {@code {job_id, type, data, created_at}}. */
  public static final String JOB_TIMELINE = "jobs.timeline";
  /** Publish: a job was deleted {@code {job_id}}. */
  public static final String JOB_DELETED = "jobs.deleted";

  /** Publish: a file arrived through the storage endpoint {@code {job_id, key, size}}. */
  public static final String JOB_OUTPUT = "jobs.output";
  /** Send: deliver (or retry delivering) a job's outputs {@code {job_id, target?}}. */
  public static final String DELIVERY_START = "delivery.start";

  /** Request: {@code JobCommand.Decide}. Reply: {@code JobAnswer.Decided}. */
  public static final String APPROVAL_DECIDE = "approvals.decide";

  /** Request: reconcile active jobs with their providers now. Reply: counts. */
  public static final String POLL_SYNC = "polling.sync";

  /** Send: package and upload the datasets of an uploading job {@code {job_id}}. */
  public static final String UPLOAD_START = "uploads.start";
  /** Send: upload progress of a job {@code {job_id, stage, percent, message}} (to the lifecycle). */
  public static final String UPLOAD_PROGRESS = "jobs.upload-progress";
  /** Request: {@code JobCommand.UploadDone}. Reply: whether the job moved on to the queue. */
  public static final String UPLOAD_DONE = "jobs.upload-done";
  /** Request: {@code JobCommand.UploadFailed}. Reply: whether the job failed now. */
  public static final String UPLOAD_FAILED = "jobs.upload-failed";

  /** Request: {@code JobCommand.Requeue}, a worker job whose worker was lost. Reply: {@code JobAnswer.Changed}. */
  public static final String JOB_REQUEUE = "jobs.requeue";
  /** Publish, to every instance: look for idle workers with a stream there and jobs for them (the fleet). */
  public static final String FLEET_DISPATCH = "fleet.dispatch";
  /**
   * Publish, to every instance: end a worker's stream wherever it is {@code {worker_id}} (its token
   * was rotated, it was deleted, or it went offline).
   */
  public static final String WORKER_STREAM_END = "fleet.end-stream";

  /** Local to this instance: an admin asked it to stop (POST /api/system/shutdown). */
  public static final String SHUTDOWN_REQUESTED = "server.shutdown-requested";

  private Addresses() {
  }
}

package dev.simpletuner.cloud.server.bus;

/** Every event-bus address the server uses. Payloads are JSON objects. */
public final class Addresses {
  /** Request: submit a job. Reply: the submit response. Handled by the job lifecycle. */
  public static final String JOB_SUBMIT = "jobs.submit";
  /** Request: {@code {job_id}}; cancel. */
  public static final String JOB_CANCEL = "jobs.cancel";
  /** Request: {@code {job_id}}; delete a terminal job. */
  public static final String JOB_DELETE = "jobs.delete";
  /** Request: a trainer callback event for {@code job_id}. */
  public static final String JOB_CALLBACK = "jobs.callback";
  /** Request: a provider's status report {@code {job_id, status...}}. */
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

  /** Request: decide an approval request {@code {request_id, decision, reviewer, notes}}. */
  public static final String APPROVAL_DECIDE = "approvals.decide";

  /** Request: reconcile active jobs with their providers now. Reply: counts. */
  public static final String POLL_SYNC = "polling.sync";

  /** Send: package and upload the datasets of an uploading job {@code {job_id}}. */
  public static final String UPLOAD_START = "uploads.start";
  /** Send: upload progress of a job {@code {job_id, stage, percent, message}} (to the lifecycle). */
  public static final String UPLOAD_PROGRESS = "jobs.upload-progress";
  /** Request: the dataset archive of a job is uploaded {@code {job_id, url, archive_bytes}}. */
  public static final String UPLOAD_DONE = "jobs.upload-done";
  /** Request: the upload of a job failed {@code {job_id, error}}. */
  public static final String UPLOAD_FAILED = "jobs.upload-failed";
  /** Request: scan the datasets of a dataloader config. Reply: the upload summary. */
  public static final String UPLOAD_SUMMARY = "uploads.summary";

  private Addresses() {
  }
}

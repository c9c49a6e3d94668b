package dev.simpletuner.cloud.server.access;

import dev.simpletuner.cloud.server.auth.Permission;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.job.Job;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * Ownership rules for jobs: {@code job.view.all} sees every job, {@code job.view.own} only one's
 * own; acting on a job needs the {@code .all} permission, or the {@code .own} one for one's own.
 */
public final class JobAccess {
  private JobAccess() {
  }

  /** The owner to filter lists by, or null for all jobs. */
  public static String ownerFilter(Principal principal) {
    return principal.can(Permission.JOB_VIEW_ALL) ? null : principal.userId();
  }

  public static boolean canSee(Principal principal, Job job) {
    return principal.can(Permission.JOB_VIEW_OWN, Permission.JOB_VIEW_ALL, job.ownerId());
  }

  public static boolean canSee(Principal principal, JsonObject renderedJob) {
    return principal.can(Permission.JOB_VIEW_OWN, Permission.JOB_VIEW_ALL, renderedJob.getString("owner_id"));
  }

  /** Someone else's job looks exactly like a missing one: no ids leak. */
  public static Job require(Principal principal, String jobId, Optional<Job> job) {
    return job.filter(j -> canSee(principal, j)).orElseThrow(() -> new AppException(ErrorCode.JOB_NOT_FOUND,
        "No job with id " + jobId + ".", new JsonObject().put("job_id", jobId)));
  }

  /** The job as {@link #require} finds it, if the principal may also act on it ({@code own}/{@code all}). */
  public static Job requireToAct(Principal principal, String jobId, Optional<Job> found, String own, String all) {
    Job job = require(principal, jobId, found);
    if (!principal.can(own, all, job.ownerId())) {
      throw new AppException(ErrorCode.PERMISSION_DENIED, "Permission denied: this needs " + all
          + (principal.userId().equals(job.ownerId()) ? " or " + own : "") + ".",
          new JsonObject().put("required", all));
    }
    return job;
  }
}

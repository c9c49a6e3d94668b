package dev.simpletuner.cloud.server.http;

import dev.simpletuner.cloud.server.auth.Principal;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.auth.Permission;
import io.vertx.core.json.JsonObject;

/** Ownership rules for jobs: {@code job.view.all} sees every job, {@code job.view.own} only one's own. */
final class Visibility {
  private Visibility() {
  }

  /** The owner to filter lists by, or null for all jobs. */
  static String ownerFilter(Principal principal) {
    return principal.can(Permission.JOB_VIEW_ALL) ? null : principal.userId();
  }

  static boolean canSee(Principal principal, Job job) {
    return principal.can(Permission.JOB_VIEW_OWN, Permission.JOB_VIEW_ALL, job.ownerId());
  }

  static boolean canSee(Principal principal, JsonObject renderedJob) {
    return principal.can(Permission.JOB_VIEW_OWN, Permission.JOB_VIEW_ALL, renderedJob.getString("owner_id"));
  }

  /** Someone else's job looks exactly like a missing one: no ids leak. */
  static Job require(Principal principal, String jobId, java.util.Optional<Job> job) {
    return job.filter(j -> canSee(principal, j)).orElseThrow(() -> new AppException(ErrorCode.JOB_NOT_FOUND,
        "No job with id " + jobId + ".", new JsonObject().put("job_id", jobId)));
  }
}

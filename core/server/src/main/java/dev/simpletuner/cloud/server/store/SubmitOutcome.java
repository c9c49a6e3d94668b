package dev.simpletuner.cloud.server.store;

import dev.simpletuner.cloud.server.job.Job;

/**
 * Result of storing a submission.
 *
 * @param job      the new job, or the existing one for an idempotent hit
 * @param hit      true when the idempotency key returned an existing job
 * @param conflict true when the key is bound to a different request (nothing was stored)
 */
public record SubmitOutcome(Job job, boolean hit, boolean conflict) {
}

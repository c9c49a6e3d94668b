package dev.simpletuner.cloud.server.store;

import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobType;

/**
 * Filters and page of a job listing; null filters match everything.
 *
 * @param ownerId only this owner's jobs
 */
public record JobQuery(String ownerId, JobStatus status, String provider, JobType jobType, int limit, int offset) {
}

package dev.simpletuner.cloud.server.store;

import dev.simpletuner.cloud.server.job.Job;
import java.util.List;

/** One page of jobs and how many match in all. */
public record JobPage(List<Job> jobs, long total) {
}

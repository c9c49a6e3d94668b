package dev.simpletuner.cloud.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** What the job cache keeps when reads and writes of several jobs interleave. */
class JobCacheTest {
  private static Job job(String id, JobStatus status) {
    return Job.submitted(id, "alice", JobType.LOCAL, "local", status, null, null, null, null, 0.0, null, 1_000,
        new JsonObject(), new JsonArray(), new JsonObject(), null, null);
  }

  @Test
  void aWriteOfOneJobDoesNotKeepAnotherJobsReadOut() {
    JobCache cache = JobCache.soleWriter(100);
    long token = cache.readStarted("job-a");
    cache.invalidate("job-b");
    cache.put(job("job-a", JobStatus.RUNNING), token);
    assertThat(cache.get("job-a")).as("job-b's write is not job-a's").isNotNull();
  }

  @Test
  void aReadThatRacedWithAWriteOfItsJobIsNotKept() {
    JobCache cache = JobCache.soleWriter(100);
    long token = cache.readStarted("job-a");
    cache.invalidate("job-a");
    cache.put(job("job-a", JobStatus.RUNNING), token);
    assertThat(cache.get("job-a")).isNull();
  }

  @Test
  void aWrittenRowIsKeptOnlyWhenNoOtherWriteOfTheJobBeganMeanwhile() {
    JobCache cache = JobCache.soleWriter(100);
    cache.invalidate("job-a");
    long alone = cache.readStarted("job-a");
    cache.written(job("job-a", JobStatus.RUNNING), alone);
    assertThat(cache.get("job-a")).isNotNull();

    cache.invalidate("job-a"); // write 1 begins
    long first = cache.readStarted("job-a");
    cache.invalidate("job-a"); // write 2 begins before write 1 answered
    cache.written(job("job-a", JobStatus.RUNNING), first);
    assertThat(cache.get("job-a")).as("write 1's row may be older than write 2's").isNull();

    long reader = cache.readStarted("job-a");
    cache.invalidate("job-a");
    long mine = cache.readStarted("job-a");
    cache.written(job("job-a", JobStatus.COMPLETED), mine);
    cache.put(job("job-a", JobStatus.RUNNING), reader);
    assertThat(cache.get("job-a").status()).as("a read from before the write does not replace it")
        .isEqualTo(JobStatus.COMPLETED);
  }

  @Test
  void aSharedDatabaseKeepsOnlyEndedJobsUnlessWritesAreAnnounced() {
    JobCache cache = JobCache.shared(100, 60_000);
    cache.written(job("job-a", JobStatus.RUNNING), cache.readStarted("job-a"));
    cache.written(job("job-b", JobStatus.COMPLETED), cache.readStarted("job-b"));
    assertThat(cache.get("job-a")).isNull();
    assertThat(cache.get("job-b")).isNotNull();
    cache.othersAnnounceWrites(true);
    cache.written(job("job-a", JobStatus.RUNNING), cache.readStarted("job-a"));
    assertThat(cache.get("job-a")).isNotNull();
  }
}

package dev.simpletuner.cloud.server.fleet;

import dev.simpletuner.cloud.spi.JobSpec;
import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.SubmittedJob;
import io.vertx.core.Future;

/**
 * What the job lifecycle sees of the fleet. Jobs are handed to workers by {@link FleetVerticle}
 * (the generic dispatcher leaves them alone), workers report through their own routes, and a
 * cancelled job's worker is told by the fleet when it sees the job end, on whichever instance
 * holds the worker's stream; so there is nothing to submit, poll or stop here.
 */
final class WorkerProvider implements Provider {

  /** Local datasets are served to the worker from this server's storage endpoint, which it reaches. */
  @Override
  public boolean readsDatasetsOverS3() {
    return true;
  }

  @Override
  public boolean reportsStatus() {
    return true;
  }

  @Override
  public Future<SubmittedJob> submit(JobSpec spec) {
    return Future.failedFuture(new UnsupportedOperationException("worker jobs are handed out by the worker fleet"));
  }

  @Override
  public Future<ProviderJobStatus> status(String externalId) {
    return Future.failedFuture(new UnsupportedOperationException("workers report their jobs themselves"));
  }

  @Override
  public Future<Void> cancel(String externalId) {
    return Future.succeededFuture();
  }
}

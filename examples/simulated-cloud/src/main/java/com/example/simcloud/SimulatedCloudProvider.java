package com.example.simcloud;

import dev.simpletuner.cloud.spi.CredentialStatus;
import dev.simpletuner.cloud.spi.HardwareOffer;
import dev.simpletuner.cloud.spi.JobSpec;
import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderContext;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.ProviderStatus;
import dev.simpletuner.cloud.spi.SubmittedJob;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pretends to be a GPU cloud: a submitted job queues for a moment, runs for
 * {@code seconds_per_job}, then succeeds. The server polls it like any cloud provider (it does
 * not report on its own), bills it at the hardware's rate, and can cancel it.
 */
final class SimulatedCloudProvider implements Provider {
  private static final HardwareOffer GPU = new HardwareOffer("sim-a100", "Simulated A100", 0.0014);

  private record Run(Instant submitted, Instant cancelledAt) {
  }

  private final ProviderContext ctx;
  private final Map<String, Run> runs = new ConcurrentHashMap<>();

  SimulatedCloudProvider(ProviderContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<CredentialStatus> validateCredentials() {
    String key = ctx.settings().get(SimulatedCloudFactory.API_KEY);
    return Future.succeededFuture(key == null ? CredentialStatus.invalid("Set api_key (any text).")
        : CredentialStatus.ok("simulated-user"));
  }

  @Override
  public List<HardwareOffer> hardware() {
    return List.of(GPU);
  }

  @Override
  public Future<SubmittedJob> submit(JobSpec spec) {
    String id = "sim-" + UUID.randomUUID();
    runs.put(id, new Run(Instant.now(), null));
    return Future.succeededFuture(new SubmittedJob(id, ProviderStatus.QUEUED, GPU.label()));
  }

  @Override
  public Future<ProviderJobStatus> status(String externalId) {
    Run run = runs.get(externalId);
    if (run == null) {
      return Future.succeededFuture(new ProviderJobStatus(externalId, ProviderStatus.FAILED,
          "The simulated cloud does not know this job.", null, null, null, null));
    }
    Instant started = run.submitted().plusMillis(200);
    Instant done = started.plusSeconds(Long.parseLong(ctx.settings().getOrDefault(
        SimulatedCloudFactory.SECONDS_PER_JOB, "2")));
    Instant now = Instant.now();
    if (run.cancelledAt() != null) {
      return Future.succeededFuture(new ProviderJobStatus(externalId, ProviderStatus.CANCELLED, null, started,
          run.cancelledAt(), null, null));
    }
    if (now.isBefore(started)) {
      return Future.succeededFuture(ProviderJobStatus.of(externalId, ProviderStatus.QUEUED));
    }
    if (now.isBefore(done)) {
      return Future.succeededFuture(new ProviderJobStatus(externalId, ProviderStatus.RUNNING, null, started, null,
          null, null));
    }
    double billable = (done.toEpochMilli() - started.toEpochMilli()) / 1000.0;
    return Future.succeededFuture(new ProviderJobStatus(externalId, ProviderStatus.SUCCEEDED, null, started, done,
        billable, "sim://outputs/" + externalId));
  }

  @Override
  public Future<Void> cancel(String externalId) {
    runs.computeIfPresent(externalId, (id, run) -> new Run(run.submitted(), Instant.now()));
    return Future.succeededFuture();
  }

  @Override
  public Future<String> logs(String externalId) {
    return status(externalId).map(s -> "simulated job " + externalId + ": " + s.status() + "\n");
  }
}

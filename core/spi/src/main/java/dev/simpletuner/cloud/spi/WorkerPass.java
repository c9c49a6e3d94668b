package dev.simpletuner.cloud.spi;

import java.util.Objects;

/**
 * A one-job worker the host created for a provider that starts SimpleTuner's worker agent itself
 * (a pod in a cluster): an agent started with {@code token} joins the host as an ephemeral worker
 * and is handed exactly the job the pass was made for, nothing else.
 *
 * @param workerId        the worker's id, for labels and logs (not a secret)
 * @param token           the worker token ({@code SIMPLETUNER_WORKER_TOKEN}); a secret: keep it in the
 *                        platform's secret store, never in logs
 * @param orchestratorUrl where the agent reaches the host ({@code SIMPLETUNER_ORCHESTRATOR_URL}); null
 *                        when the host knows no address others can reach
 */
public record WorkerPass(String workerId, String token, String orchestratorUrl) {

  public WorkerPass {
    Objects.requireNonNull(workerId, "workerId");
    Objects.requireNonNull(token, "token");
  }

  @Override
  public String toString() {
    return "WorkerPass[workerId=" + workerId + ", orchestratorUrl=" + orchestratorUrl + "]";
  }
}

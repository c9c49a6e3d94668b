package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.bus.Bus;
import dev.simpletuner.cloud.server.job.JobCommand;
import dev.simpletuner.cloud.server.store.Store;
import dev.simpletuner.cloud.spi.JobReporter;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Forwards what providers report to the job lifecycle over the event bus. */
public final class HostJobReporter implements JobReporter {
  private final Vertx vertx;
  private final Store store;

  public HostJobReporter(Vertx vertx, Store store) {
    this.vertx = vertx;
    this.store = store;
  }

  @Override
  public Future<Void> status(String jobId, ProviderJobStatus status) {
    return Bus.ask(vertx, Addresses.JOB_PROVIDER_STATUS, new JobCommand.ProviderReport(jobId, status)).mapEmpty();
  }

  @Override
  public void log(String jobId, List<String> lines) {
    vertx.eventBus().send(Addresses.JOB_PROVIDER_LOGS, new JsonObject().put("job_id", jobId)
        .put("lines", new JsonArray(lines)));
  }

  @Override
  public void console(String jobId, String partialLine) {
    vertx.eventBus().send(Addresses.JOB_PROVIDER_LOGS, new JsonObject().put("job_id", jobId)
        .put("partial", partialLine));
  }

  @Override
  public Future<Long> loggedLines(String jobId) {
    return store.logs().lastSeq(jobId);
  }
}

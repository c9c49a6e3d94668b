package dev.simpletuner.cloud.provider.local;

import dev.simpletuner.cloud.spi.HardwareOffer;
import dev.simpletuner.cloud.spi.JobSpec;
import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderContext;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.ProviderStatus;
import dev.simpletuner.cloud.spi.RecoveredJob;
import dev.simpletuner.cloud.spi.SubmittedJob;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs {@code SIMPLETUNER_LOCAL_COMMAND} per job in its own work directory. The trainer's output goes
 * to a file that is tailed into the job log, so a trainer survives a crashed server and is picked up
 * again after a restart. The host queues jobs beyond {@link #concurrencyLimit()}.
 */
final class LocalProvider implements Provider {
  /** Environment the trainer must not inherit: credentials it has no use for. */
  private static final List<String> SCRUBBED_ENV = List.of("REPLICATE_API_TOKEN", "SIMPLETUNER_DATABASE_URL");
  private static final String HARDWARE = "This machine";

  private final ProviderContext ctx;
  private final Context context;
  private final Map<String, TrainerProcess> running = new ConcurrentHashMap<>();

  LocalProvider(ProviderContext ctx) {
    this.ctx = ctx;
    this.context = ctx.vertx().getOrCreateContext();
  }

  @Override
  public List<HardwareOffer> hardware() {
    return List.of(new HardwareOffer("local", HARDWARE, 0.0));
  }

  @Override
  public int concurrencyLimit() {
    return Math.max(1, Integer.parseInt(ctx.settings().getOrDefault(LocalProviderFactory.MAX_CONCURRENT, "1")));
  }

  @Override
  public boolean reportsStatus() {
    return true;
  }

  @Override
  public Future<SubmittedJob> submit(JobSpec spec) {
    WorkDir dir = workDir(spec.jobId());
    return context.executeBlocking(() -> start(spec, dir))
        .map(process -> {
          adopt(process);
          return new SubmittedJob(spec.jobId(), ProviderStatus.RUNNING, HARDWARE);
        });
  }

  private void adopt(TrainerProcess process) {
    running.put(process.jobId(), process);
    process.finished().onComplete(ar -> running.remove(process.jobId()));
    process.watch();
  }

  private TrainerProcess start(JobSpec spec, WorkDir dir) throws IOException {
    TrainerConfig config = TrainerConfig.of(spec, dir);
    dir.prepare(config.config(), spec.dataloaderConfig());
    ProcessBuilder builder = new ProcessBuilder(ProcessGroups.command(dir.runner().toString()))
        .directory(dir.root().toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.log().toFile()));
    Map<String, String> env = builder.environment();
    SCRUBBED_ENV.forEach(env::remove);
    env.put("SIMPLETUNER_TRAINER_COMMAND", ctx.settings().get(LocalProviderFactory.COMMAND));
    env.put("SIMPLETUNER_JOB_ID", spec.jobId());
    env.put("SIMPLETUNER_CONFIG_PATH", dir.configFile().toString());
    env.put("SIMPLETUNER_DATALOADER_PATH", dir.dataloaderFile().toString());
    env.put("SIMPLETUNER_OUTPUT_DIR", config.outputDir());
    env.put("SIMPLETUNER_WORK_DIR", dir.root().toString());
    if (spec.webhookConfig() != null) {
      env.put("SIMPLETUNER_WEBHOOK_CONFIG", spec.webhookConfig().encode());
    }
    if (config.publishes()) {
      // Without it the trainer publishes only after validations, before the final weights exist.
      env.put("SIMPLETUNER_PUBLISH_FINAL_ARTIFACTS", "true");
    }
    if (spec.runName() != null) {
      env.put("SIMPLETUNER_TRACKER_RUN_NAME", spec.runName());
    }
    if (spec.secrets().get("hf_token") != null) {
      env.put("HF_TOKEN", spec.secrets().get("hf_token"));
    }
    env.put("PYTHONUNBUFFERED", "1");
    Process process = builder.start();
    dir.recordProcess(process.toHandle());
    ctx.logger().log(Level.INFO, "Started trainer for job {0} (pid {1})", spec.jobId(), process.pid());
    return new TrainerProcess(context, spec.jobId(), dir, process.toHandle(), process, new LogTail(dir.log(), 0),
        ctx.reporter());
  }

  @Override
  public Future<ProviderJobStatus> status(String externalId) {
    TrainerProcess process = running.get(externalId);
    if (process != null) {
      return Future.succeededFuture(new ProviderJobStatus(externalId, ProviderStatus.RUNNING, null,
          process.startedAt(), null, null, null));
    }
    WorkDir dir = workDir(externalId);
    return context.executeBlocking(() -> dir.exitStatus()
        .map(code -> code == 0
            ? ProviderJobStatus.of(externalId, ProviderStatus.SUCCEEDED)
            : new ProviderJobStatus(externalId, ProviderStatus.FAILED, "The trainer exited with status " + code + ".",
                null, null, null, null))
        .orElseGet(() -> new ProviderJobStatus(externalId, ProviderStatus.FAILED,
            "No trainer process is running for this job.", null, null, null, null)));
  }

  @Override
  public Future<Void> cancel(String externalId) {
    TrainerProcess process = running.get(externalId);
    if (process == null) {
      return Future.succeededFuture();
    }
    ProviderJobStatus cancelled = new ProviderJobStatus(externalId, ProviderStatus.CANCELLED, null, null, null, null,
        null);
    return process.stop(cancelled, grace());
  }

  @Override
  public Future<Void> recover(List<RecoveredJob> jobs) {
    List<Future<Void>> all = jobs.stream().map(this::recover).toList();
    return Future.join(all).mapEmpty();
  }

  private Future<Void> recover(RecoveredJob job) {
    WorkDir dir = workDir(job.jobId());
    return ctx.reporter().loggedLines(job.jobId())
        .compose(logged -> context.executeBlocking(() -> {
          Optional<ProcessHandle> live = Files.isDirectory(dir.root()) ? dir.liveProcess() : Optional.empty();
          if (live.isEmpty()) {
            finishedWhileAway(job, dir, logged);
            return null;
          }
          return new TrainerProcess(context, job.jobId(), dir, live.get(), null, new LogTail(dir.log(), logged),
              ctx.reporter());
        }))
        .map(process -> {
          if (process != null) {
            ctx.logger().log(Level.INFO, "Re-attached to the trainer of job {0}", job.jobId());
            adopt(process);
          }
          return null;
        });
  }

  /** Reports the outcome of a trainer that ended while the server was down. */
  private void finishedWhileAway(RecoveredJob job, WorkDir dir, long logged) throws IOException {
    List<String> rest = new LogTail(dir.log(), logged).read(true);
    if (!rest.isEmpty()) {
      ctx.reporter().log(job.jobId(), rest);
    }
    Optional<Integer> code = dir.exitStatus();
    ProviderJobStatus status = code.filter(c -> c == 0).isPresent()
        ? new ProviderJobStatus(job.jobId(), ProviderStatus.SUCCEEDED, null, null, null, null,
            TrainerConfig.outputDirOf(dir).toUri().toString())
        : new ProviderJobStatus(job.jobId(), ProviderStatus.FAILED, code
            .map(c -> "The trainer exited with status " + c + " while the server was down.")
            .orElse("The trainer ended while the server was down, and its exit status was not recorded."),
            null, null, null, null);
    ctx.reporter().status(job.jobId(), status);
  }

  @Override
  public Future<Void> shutdown() {
    ProviderJobStatus interrupted = new ProviderJobStatus(null, ProviderStatus.FAILED,
        "The server shut down while the job was running; the trainer was stopped.", null, null, null, null);
    List<Future<Void>> stops = running.values().stream()
        .map(p -> p.stop(interrupted, Duration.ofSeconds(Math.min(grace().toSeconds(), 5)))
            .compose(exited -> p.finished()))
        .toList();
    return Future.join(stops).mapEmpty();
  }

  private Duration grace() {
    return Duration.ofSeconds(Math.max(0,
        Integer.parseInt(ctx.settings().getOrDefault(LocalProviderFactory.CANCEL_GRACE_SECONDS, "10"))));
  }

  private WorkDir workDir(String jobId) {
    if (!jobId.matches("[A-Za-z0-9_-]{1,128}")) {
      throw new IllegalArgumentException("invalid job id");
    }
    return new WorkDir(ctx.dataDir().resolve("jobs").resolve(jobId));
  }
}

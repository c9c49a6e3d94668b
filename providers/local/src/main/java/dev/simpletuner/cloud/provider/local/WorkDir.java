package dev.simpletuner.cloud.provider.local;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The files of one local job: inputs for the trainer, its log, and what survives a server restart. */
record WorkDir(Path root) {

  /**
   * Runs the trainer and records its exit status, so a server that restarted while the trainer ran
   * can still learn how it ended.
   */
  private static final String RUNNER = """
      #!/bin/sh
      # Written by the SimpleTuner cloud server for this job. Do not edit.
      sh -c "$SIMPLETUNER_TRAINER_COMMAND"
      status=$?
      printf '%s\\n' "$status" > exit_status.tmp && mv exit_status.tmp exit_status
      exit "$status"
      """;

  Path configFile() {
    return root.resolve("config.json");
  }

  Path dataloaderFile() {
    return root.resolve("multidatabackend.json");
  }

  Path runner() {
    return root.resolve("run.sh");
  }

  Path log() {
    return root.resolve("trainer.log");
  }

  Path outputDir() {
    return root.resolve("output");
  }

  /** Writes the trainer's inputs. Blocking. */
  void prepare(JsonObject config, JsonArray dataloader) throws IOException {
    Files.createDirectories(outputDir());
    write(configFile(), config.encodePrettily());
    write(dataloaderFile(), dataloader.encodePrettily());
    write(runner(), RUNNER);
  }

  /** Records the process so a restarted server can find it again. Blocking. */
  void recordProcess(ProcessHandle handle) throws IOException {
    long started = handle.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
    write(root.resolve("pid"), handle.pid() + " " + started + "\n");
  }

  /** The recorded process if it is still the same one (pid reuse is ruled out by the start time). */
  Optional<ProcessHandle> liveProcess() throws IOException {
    Path pidFile = root.resolve("pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    List<String> parts = List.of(Files.readString(pidFile).trim().split(" "));
    long pid = Long.parseLong(parts.get(0));
    long started = parts.size() > 1 ? Long.parseLong(parts.get(1)) : 0L;
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(h -> h.info().startInstant().map(i -> i.toEpochMilli() == started).orElse(started == 0L));
  }

  /** The exit status the runner recorded, if it got that far. Blocking. */
  Optional<Integer> exitStatus() throws IOException {
    Path file = root.resolve("exit_status");
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    return Optional.of(Integer.parseInt(Files.readString(file).trim()));
  }

  private static void write(Path file, String content) throws IOException {
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }
}

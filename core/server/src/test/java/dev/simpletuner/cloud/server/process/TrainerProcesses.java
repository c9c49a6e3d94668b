package dev.simpletuner.cloud.server.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Finds the processes the local provider started for a job (from the files it keeps). */
final class TrainerProcesses {
  private TrainerProcesses() {
  }

  /** The runner shell of the job, leader of the trainer's process group. */
  static ProcessHandle runner(Path stateDir, String jobId) throws Exception {
    Path pidFile = stateDir.resolve("providers/local/jobs/" + jobId + "/pid");
    long pid = Long.parseLong(Files.readString(pidFile).trim().split(" ")[0]);
    return ProcessHandle.of(pid).orElseThrow();
  }

  /** The trainer itself (python), a child of the runner. */
  static ProcessHandle trainer(Path stateDir, String jobId) throws Exception {
    List<ProcessHandle> all = runner(stateDir, jobId).descendants().toList();
    Optional<ProcessHandle> python = all.stream()
        .filter(p -> p.info().command().map(c -> c.contains("python")).orElse(false)).findFirst();
    return python.orElseThrow(() -> new AssertionError("no trainer process among " + all));
  }

  static void waitUntilGone(ProcessHandle handle) throws Exception {
    handle.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
  }
}

package dev.simpletuner.cloud.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * SimpleTuner's worker agent, unchanged: {@code simpletuner worker} (cli/worker.py, then
 * worker_agent.py) run through the harness. Its trainers, {@code python -m simpletuner.train},
 * are the trainer stand-in (harness/site/sitecustomize.py).
 */
final class WorkerAgent implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final String name;

  private WorkerAgent(Process process, Path log, String name) {
    this.process = process;
    this.log = log;
    this.name = name;
  }

  /**
   * @param knobs the trainer stand-in's settings (STANDIN_*), in the agent's environment, which
   *              its trainers inherit
   */
  static WorkerAgent start(Path dir, String url, String token, String name, boolean persistent,
                           Map<String, String> knobs) {
    try {
      Files.createDirectories(dir);
      List<String> command = new ArrayList<>(List.of("python3", SimpleTuner.harness().resolve("run.py").toString(),
          "cli", "worker", "--orchestrator-url", url, "--worker-token", token, "--name", name));
      if (persistent) {
        command.add("--persistent");
      }
      Path log = dir.resolve(name + ".log");
      ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
          .redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().put("HARNESS_TRAIN_STANDIN", "1");
      builder.environment().put("PYTHONPATH", SimpleTuner.harness().resolve("site").toString());
      builder.environment().put("PYTHONUNBUFFERED", "1");
      builder.environment().putAll(knobs);
      return new WorkerAgent(builder.start(), log, name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The agent as a pod runs it: {@code simpletuner worker} without flags, configured by the pod's
   * environment (SIMPLETUNER_ORCHESTRATOR_URL, SIMPLETUNER_WORKER_TOKEN, ...; worker_agent.py:42-55).
   */
  static WorkerAgent inPod(Path dir, Map<String, String> podEnv, String name, Map<String, String> knobs) {
    try {
      Files.createDirectories(dir);
      Path log = dir.resolve(name + ".log");
      ProcessBuilder builder = new ProcessBuilder(List.of("python3", SimpleTuner.harness().resolve("run.py").toString(),
          "cli", "worker")).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().put("HARNESS_TRAIN_STANDIN", "1");
      builder.environment().put("PYTHONPATH", SimpleTuner.harness().resolve("site").toString());
      builder.environment().put("PYTHONUNBUFFERED", "1");
      builder.environment().putAll(podEnv);
      builder.environment().putAll(knobs);
      return new WorkerAgent(builder.start(), log, name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String name() {
    return name;
  }

  String log() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Processes the agent started that still run (its trainers). */
  List<ProcessHandle> trainers() {
    return process.descendants().filter(ProcessHandle::isAlive).toList();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The exit status, or -1 when it is still running after {@code timeout}. */
  int waitForExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  /** The machine dies: the agent and everything it started, without a word (SIGKILL). */
  void killHard() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    killHard();
  }

  static String tail(String log, int chars) {
    return log.length() <= chars ? log : log.substring(log.length() - chars);
  }
}

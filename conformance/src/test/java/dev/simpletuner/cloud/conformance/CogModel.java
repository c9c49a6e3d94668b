package dev.simpletuner.cloud.conformance;

import dev.simpletuner.cloud.server.support.FakeReplicate;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * SimpleTuner's Replicate model (predict.py and simpletuner/cog.py, unchanged) behind the fake
 * Replicate: each prediction runs {@code run.py cog} in a folder of its own (as a container would
 * run it), its stdout and stderr become the prediction's logs as they come, its return value the
 * output, its exception the error. Inputs the model does not declare are refused, as Replicate
 * refuses them (422). It sends no trainer callback of its own: the model's receiver prints them.
 */
final class CogModel implements FakeReplicate.PredictionRunner {
  private final Map<String, String> knobs;
  private final Path work;

  /** @param knobs the trainer stand-in's settings (STANDIN_*) */
  CogModel(Map<String, String> knobs, Path work) {
    this.knobs = Map.copyOf(knobs);
    this.work = work;
  }

  @Override
  public String refuse(JsonObject input) {
    TreeSet<String> unknown = new TreeSet<>(input.fieldNames());
    unknown.removeAll(SimpleTuner.declaredInputs());
    return unknown.isEmpty() ? null : "- input: Additional property " + String.join(", ", unknown)
        + " is not allowed";
  }

  @Override
  public Runnable start(String id, JsonObject input, FakeReplicate.Run run) {
    try {
      Path dir = Files.createDirectories(work.resolve(id));
      Path request = dir.resolve("request.json");
      Files.writeString(request, new JsonObject().put("input", input).encode());
      ProcessBuilder builder = new ProcessBuilder(SimpleTuner.cogCommand(request)).directory(dir.toFile())
          .redirectErrorStream(true);
      builder.environment().putAll(knobs);
      builder.environment().put("PYTHONUNBUFFERED", "1");
      long started = System.nanoTime();
      Process process = builder.start();
      run.processing();
      Thread reader = new Thread(() -> pump(process, request, run, started), "cog-" + id);
      reader.setDaemon(true);
      reader.start();
      return () -> stop(process);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void pump(Process process, Path request, FakeReplicate.Run run, long started) {
    try (InputStream out = process.getInputStream()) {
      byte[] buffer = new byte[8192];
      int n;
      while ((n = out.read(buffer)) > 0) {
        run.log(new String(buffer, 0, n, StandardCharsets.UTF_8));
      }
      process.waitFor();
      double seconds = (System.nanoTime() - started) / 1e9;
      Path result = Path.of(request + ".result");
      if (!Files.exists(result)) {
        run.failed("The prediction process ended with status " + process.exitValue(), seconds);
        return;
      }
      JsonObject outcome = new JsonObject(Files.readString(result));
      if ("succeeded".equals(outcome.getString("status"))) {
        run.succeeded(outcome.getValue("output"), seconds);
      } else {
        run.failed(outcome.getString("error"), seconds);
      }
    } catch (IOException e) {
      run.failed("The prediction's output could not be read: " + e.getMessage(), 0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Replicate stops a canceled prediction's container: the whole process tree goes (killed after 5 s). */
  private static void stop(Process process) {
    java.util.List<ProcessHandle> tree = process.descendants().toList();
    tree.forEach(ProcessHandle::destroy);
    process.destroy();
    Thread killer = new Thread(() -> {
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          tree.forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "cog-stop");
    killer.setDaemon(true);
    killer.start();
  }
}

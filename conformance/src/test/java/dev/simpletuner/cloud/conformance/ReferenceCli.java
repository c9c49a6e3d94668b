package dev.simpletuner.cloud.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * SimpleTuner's own command line, unchanged ({@code simpletuner ...}, cli/__init__.py), pointed at
 * a server the way its users point it: SIMPLETUNER_HOST, SIMPLETUNER_PORT and SIMPLETUNER_API_KEY
 * (cli/cloud/api.py:15-21, 49-51).
 */
final class ReferenceCli {
  /** What one command did: its exit status and what it printed. */
  record Run(int exit, String out, String err) {
    String all() {
      return out + err;
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private final URI server;
  private final String apiKey;
  private final Path workDir;

  ReferenceCli(String serverUrl, String apiKey, Path workDir) {
    this.server = URI.create(serverUrl);
    this.apiKey = apiKey;
    this.workDir = workDir;
  }

  String apiKey() {
    return apiKey;
  }

  ReferenceCli withKey(String key) {
    return new ReferenceCli(server.toString(), key, workDir);
  }

  /** Runs {@code simpletuner <args>} to its end (at most a minute). */
  Run run(String... args) {
    try {
      Files.createDirectories(workDir);
      List<String> command = new ArrayList<>(List.of("python3", SimpleTuner.harness().resolve("run.py").toString(),
          "cli"));
      command.addAll(List.of(args));
      Path out = Files.createTempFile(workDir, "cli", ".out");
      Path err = Files.createTempFile(workDir, "cli", ".err");
      ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
      builder.environment().put("SIMPLETUNER_HOST", server.getHost());
      builder.environment().put("SIMPLETUNER_PORT", String.valueOf(server.getPort()));
      builder.environment().put("HOME", workDir.toString());
      builder.environment().remove("SIMPLETUNER_API_KEY");
      if (apiKey != null) {
        builder.environment().put("SIMPLETUNER_API_KEY", apiKey);
      }
      Process process = builder.start();
      process.getOutputStream().close();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("simpletuner " + String.join(" ", args) + " did not finish in 60 s");
      }
      Run run = new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
      Files.delete(out);
      Files.delete(err);
      return run;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

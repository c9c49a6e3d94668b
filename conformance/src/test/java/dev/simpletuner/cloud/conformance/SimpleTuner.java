package dev.simpletuner.cloud.conformance;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * SimpleTuner's own code, found through SIMPLETUNER_SOURCE (a checkout, or a site-packages folder
 * with simpletuner installed), and the harness that runs it (src/test/python).
 */
final class SimpleTuner {
  private static Set<String> declaredInputs;

  private SimpleTuner() {
  }

  static Path source() {
    String value = System.getenv("SIMPLETUNER_SOURCE");
    if (value == null || value.isBlank()) {
      throw new IllegalStateException("SIMPLETUNER_SOURCE is not set: point it at a SimpleTuner checkout");
    }
    Path root = Path.of(value).toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve("simpletuner/helpers/webhooks/handler.py"))) {
      throw new IllegalStateException("SIMPLETUNER_SOURCE=" + root + " holds no simpletuner/helpers/webhooks/handler.py");
    }
    return root;
  }

  static Path harness() {
    return Path.of(System.getProperty("conformance.python", "src/test/python")).toAbsolutePath().normalize();
  }

  /**
   * {@code simpletuner train}, unchanged, as the local provider's command; only {@code accelerate}
   * (the launcher it runs train.py with) is our stand-in, first on PATH.
   *
   * @param knobs the trainer stand-in's settings (STANDIN_*), put in front of the command
   */
  static String trainCommand(Map<String, String> knobs) {
    StringBuilder command = new StringBuilder("PATH=" + harness().resolve("bin") + ":$PATH");
    new TreeMap<>(knobs).forEach((k, v) -> command.append(' ').append(k).append('=').append(v));
    return command.append(" python3 ").append(harness().resolve("run.py")).append(" cli train").toString();
  }

  /** The Replicate model on one prediction: {@code run.py cog <request>}. */
  static List<String> cogCommand(Path request) {
    return List.of("python3", harness().resolve("run.py").toString(), "cog", request.toString());
  }

  /** The inputs SimpleTuner's Replicate model declares (predict.py's signature). */
  static synchronized Set<String> declaredInputs() {
    if (declaredInputs == null) {
      try {
        Process p = new ProcessBuilder("python3", harness().resolve("run.py").toString(), "cog-schema")
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
          throw new IllegalStateException("run.py cog-schema failed");
        }
        declaredInputs = Set.copyOf(new JsonObject(out.strip()).fieldNames());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return declaredInputs;
  }

  static List<String> env(Map<String, String> knobs) {
    List<String> out = new ArrayList<>();
    knobs.forEach((k, v) -> out.add(k + "=" + v));
    return out;
  }
}

package dev.simpletuner.cloud.server.delivery;

import dev.simpletuner.cloud.spi.delivery.OutputFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which of a job's received files are its trained model. SimpleTuner publishes its whole output
 * folder: the final weights at its root (a LoRA's {@code pytorch_lora_weights.safetensors}, a full
 * model's component folders), {@code checkpoint-<step>} folders with weights and optimizer state,
 * and validation images. The final weights are there only when the trainer published after saving
 * them; on Replicate the model publishes after the last validation instead, so the last step's
 * checkpoint is where its final weights are (the server schedules one, see the Replicate provider).
 *
 * @param model   what remote targets get: the non-checkpoint files, or the last step's checkpoint
 *                weights at the root; empty when the final weights did not arrive
 * @param isFinal whether the final weights arrived
 * @param note    what was found, in words
 */
record ModelFiles(List<OutputFile> model, boolean isFinal, String note) {
  private static final Pattern CHECKPOINT = Pattern.compile("^([^/]*checkpoint[^/]*?)-(\\d+)/(.+)$");
  // Training state in a checkpoint, not part of the model.
  private static final Pattern STATE = Pattern.compile(
      "(?i)^(optimizer.*|scheduler.*|random_states.*|training_state.*|scaler.*|.*\\.(pkl|pt))$");

  static ModelFiles of(List<OutputFile> files, Integer lastStep) {
    List<OutputFile> plain = new ArrayList<>();
    String latest = null;
    long latestStep = -1;
    for (OutputFile f : files) {
      Matcher m = CHECKPOINT.matcher(f.path());
      if (!m.matches()) {
        plain.add(f);
      } else if (Long.parseLong(m.group(2)) > latestStep) {
        latestStep = Long.parseLong(m.group(2));
        latest = m.group(1) + "-" + m.group(2);
      }
    }
    if (plain.stream().anyMatch(ModelFiles::isWeights)) {
      return new ModelFiles(plain, true, null);
    }
    if (latest != null && lastStep != null && latestStep == lastStep) {
      List<OutputFile> model = new ArrayList<>();
      String prefix = latest + "/";
      for (OutputFile f : files) {
        String name = f.path().startsWith(prefix) ? f.path().substring(prefix.length()) : null;
        if (name != null && !STATE.matcher(name.substring(name.lastIndexOf('/') + 1)).matches()) {
          model.add(new OutputFile(name, f.file(), f.size(), f.sha256()));
        }
      }
      if (model.stream().anyMatch(ModelFiles::isWeights)) {
        return new ModelFiles(model, true, "The final weights came as the last step's checkpoint (" + latest + ").");
      }
    }
    String what = files.isEmpty() ? "No files were received from the trainer."
        : latest == null ? "Files arrived, but no model weights among them."
        : "Only checkpoints arrived (the latest is " + latest + (lastStep == null ? "" : ", of " + lastStep
            + " steps") + "); the final weights did not.";
    return new ModelFiles(List.of(), false, what);
  }

  static boolean isWeights(OutputFile f) {
    String name = f.path().toLowerCase(Locale.ROOT);
    String base = name.substring(name.lastIndexOf('/') + 1);
    return (name.endsWith(".safetensors") || name.endsWith(".bin") || name.endsWith(".ckpt"))
        && !STATE.matcher(base).matches();
  }
}

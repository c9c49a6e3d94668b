package dev.simpletuner.cloud.provider.local;

import dev.simpletuner.cloud.spi.JobSpec;
import dev.simpletuner.cloud.spi.ConfigEntries;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code config.json} a local job's trainer reads. {@code simpletuner train} finds it in its
 * working directory (cli/common.py find_config_file) and refuses to start without
 * {@code --data_backend_config} and {@code --output_dir} (required in its field registry), so the
 * server sets them: the dataloader file it writes beside the config, and the job's output folder
 * unless the config names one. Its callback target is added to any {@code --webhook_config} the
 * user had (a Discord hook keeps working).
 *
 * @param outputDir where the trainer writes the model
 * @param publishes whether the trainer publishes its outputs somewhere ({@code --publishing_config})
 */
record TrainerConfig(JsonObject config, String outputDir, boolean publishes) {
  static final String OUTPUT_DIR = "--output_dir";
  private static final String WEBHOOKS = "--webhook_config";
  private static final String PUBLISHING = "--publishing_config";

  static TrainerConfig of(JsonObject jobConfig, JsonArray webhookConfig, WorkDir dir) {
    JsonObject config = jobConfig.copy();
    String outputDir = config.getValue(OUTPUT_DIR) instanceof String s && !s.isBlank() ? s
        : dir.outputDir().toString();
    config.put(OUTPUT_DIR, outputDir);
    config.put("--data_backend_config", dir.dataloaderFile().toString());
    if (webhookConfig != null) {
      JsonArray hooks = ConfigEntries.of(WEBHOOKS, config.getValue(WEBHOOKS));
      webhookConfig.forEach(hooks::add);
      // A JSON string, as the trainer's own config files carry it (cmd_args parses it back).
      config.put(WEBHOOKS, hooks.encode());
    }
    boolean publishes = !ConfigEntries.of(PUBLISHING, config.getValue(PUBLISHING)).isEmpty();
    return new TrainerConfig(config, outputDir, publishes);
  }

  static TrainerConfig of(JobSpec spec, WorkDir dir) {
    return of(spec.config(), spec.webhookConfig(), dir);
  }

  /** The output folder a job's written config names (after a restart). Blocking. */
  static Path outputDirOf(WorkDir dir) {
    try {
      JsonObject config = new JsonObject(Files.readString(dir.configFile()));
      return config.getValue(OUTPUT_DIR) instanceof String s && !s.isBlank() ? Path.of(s) : dir.outputDir();
    } catch (IOException | DecodeException e) {
      return dir.outputDir();
    }
  }
}

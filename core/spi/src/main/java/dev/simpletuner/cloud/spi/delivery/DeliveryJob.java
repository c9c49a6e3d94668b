package dev.simpletuner.cloud.spi.delivery;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A completed job's files, ready to be delivered.
 *
 * @param jobId      the host's job id
 * @param runName    the tracker run name; may be null
 * @param options    the options the plan kept
 * @param config     the trainer config the job ran with (for a model card); read only
 * @param files      the files the trainer sent home, relative paths below the job's prefix
 * @param outputsUrl where a signed-in user downloads the files from this server
 */
public record DeliveryJob(String jobId, String runName, JsonObject options, JsonObject config, List<OutputFile> files,
                          String outputsUrl) {

  public DeliveryJob {
    files = List.copyOf(files);
  }

  public long totalBytes() {
    return files.stream().mapToLong(OutputFile::size).sum();
  }
}

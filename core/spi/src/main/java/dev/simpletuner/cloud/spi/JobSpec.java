package dev.simpletuner.cloud.spi;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Everything a provider needs to start one job.
 *
 * @param jobId            the host's job id (stable, unique)
 * @param config           trainer config, CLI-style keys such as {@code "--model_family"}
 * @param dataloaderConfig list of dataset objects
 * @param hardwareProfile  provider-specific hardware choice; may be null for the default
 * @param runName          tracker run name; may be null
 * @param webhookConfig    trainer callback config: {@code [{"webhook_type":"raw","callback_url":..,"auth_token":..}]}
 * @param dataArchiveUrl   where the uploaded dataset archive lives; null when nothing was uploaded
 * @param platformWebhookUrl where the provider's own platform should send status webhooks; null when
 *                         the host has no public URL
 * @param secrets          secrets the trainer needs that must not be written into the config, by name
 *                         (e.g. {@code "hf_token"}: the user chose to let the trainer push to the Hub);
 *                         pass them the provider's own secret way and never log them
 */
public record JobSpec(String jobId, JsonObject config, JsonArray dataloaderConfig, String hardwareProfile,
                      String runName, JsonArray webhookConfig, String dataArchiveUrl, String platformWebhookUrl,
                      Map<String, String> secrets) {

  public JobSpec {
    secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
  }
}

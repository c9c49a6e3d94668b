package dev.simpletuner.cloud.spi.delivery;

import io.vertx.core.json.JsonObject;

/**
 * What a target needs to plan one job's delivery.
 *
 * @param jobId             the host's job id
 * @param options           per-job options from the submission, e.g. {@code {"repo_id": "alice/my-lora"}}; never null
 * @param config            the trainer config as submitted (CLI-style keys); read only
 * @param providerId        the training provider, e.g. {@code "replicate"}
 * @param outputsComeHome   true when the trainer can send its outputs to this server (a public URL is
 *                          set, or the trainer runs on this machine), so {@link DeliveryTarget#deliver}
 *                          is possible
 */
public record DeliveryRequest(String jobId, JsonObject options, JsonObject config, String providerId,
                              boolean outputsComeHome) {
}

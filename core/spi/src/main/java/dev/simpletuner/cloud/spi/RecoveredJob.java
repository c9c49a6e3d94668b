package dev.simpletuner.cloud.spi;

/**
 * A job the provider was running when the server last stopped, handed back at start-up.
 *
 * @param jobId      the host's job id
 * @param externalId the provider's id
 * @param status     last status the host recorded
 */
public record RecoveredJob(String jobId, String externalId, ProviderStatus status) {
}

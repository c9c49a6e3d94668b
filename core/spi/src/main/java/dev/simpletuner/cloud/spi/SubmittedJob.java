package dev.simpletuner.cloud.spi;

/**
 * What a provider returns once it has accepted a job.
 *
 * @param externalId   the provider's id for the job, used for status, cancel and logs
 * @param status       the provider's status right after accepting it
 * @param hardwareType human-readable hardware, e.g. {@code "2x H100"}; may be null
 */
public record SubmittedJob(String externalId, ProviderStatus status, String hardwareType) {
}

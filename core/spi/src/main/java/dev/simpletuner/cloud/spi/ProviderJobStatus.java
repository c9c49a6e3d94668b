package dev.simpletuner.cloud.spi;

import java.time.Instant;

/**
 * A provider's report about one job.
 *
 * @param externalId      the provider's id
 * @param status          current status
 * @param errorMessage    why it failed; null otherwise
 * @param startedAt       when it started running; may be null
 * @param completedAt     when it ended; may be null
 * @param billableSeconds provider-reported billable time; null when unknown
 * @param outputUrl       where the result is; may be null
 */
public record ProviderJobStatus(String externalId, ProviderStatus status, String errorMessage, Instant startedAt,
                                Instant completedAt, Double billableSeconds, String outputUrl) {

  public static ProviderJobStatus of(String externalId, ProviderStatus status) {
    return new ProviderJobStatus(externalId, status, null, null, null, null, null);
  }
}

package dev.simpletuner.cloud.spi;

import java.time.Instant;

/**
 * A provider's report about one job.
 *
 * @param externalId      the provider's id
 * @param status          current status
 * @param errorMessage    why it failed, as the provider sees it (an exit status, the platform's
 *                        error); null otherwise. An excerpt of the trainer's output may follow
 *                        after {@value #LAST_OUTPUT}: the host drops it when the trainer said why
 *                        itself.
 * @param startedAt       when it started running; may be null
 * @param completedAt     when it ended; may be null
 * @param billableSeconds provider-reported billable time; null when unknown
 * @param outputUrl       where the result is (a URL); may be null
 * @param log             the job's whole log as of this report, when the report carries it
 *                        (Replicate's predictions do); null otherwise
 */
public record ProviderJobStatus(String externalId, ProviderStatus status, String errorMessage, Instant startedAt,
                                Instant completedAt, Double billableSeconds, String outputUrl, String log) {
  /** Separates the provider's reason from an excerpt of the trainer's output in {@link #errorMessage}. */
  public static final String LAST_OUTPUT = " Last output: ";

  /** A report without a log. */
  public ProviderJobStatus(String externalId, ProviderStatus status, String errorMessage, Instant startedAt,
                           Instant completedAt, Double billableSeconds, String outputUrl) {
    this(externalId, status, errorMessage, startedAt, completedAt, billableSeconds, outputUrl, null);
  }

  public static ProviderJobStatus of(String externalId, ProviderStatus status) {
    return new ProviderJobStatus(externalId, status, null, null, null, null, null);
  }
}

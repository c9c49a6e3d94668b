package dev.simpletuner.cloud.spi;

import java.time.Instant;

/**
 * A job the provider holds for this account, as {@link Provider#recentJobs()} lists it: possibly one
 * this server never submitted (started from another machine or by hand), for the host to import.
 *
 * @param report     its status, times and billable time, as for {@link Provider#status}
 * @param createdAt  when it was created at the provider; may be null
 * @param hardware   the hardware profile it ran on, as {@link Provider#hardware()} names it; may be null
 * @param label      what it runs, in the provider's words (e.g. a model name); may be null
 */
public record ForeignJob(ProviderJobStatus report, Instant createdAt, String hardware, String label) {
}

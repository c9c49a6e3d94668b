/**
 * The plugin contract: what a training provider implements ({@code ProviderFactory},
 * {@code Provider}) and what the host offers it ({@code ProviderContext}, {@code JobReporter}).
 * Depends on vertx-core only; versioned by {@code SpiVersion}.
 */
package dev.simpletuner.cloud.spi;

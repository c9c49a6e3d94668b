/**
 * Outbound HTTP calls made with the host's network settings ({@code ProviderContext#httpClientOptions()}):
 * words for what went wrong, shared by plugins and the host's own calls for a provider.
 */
package dev.simpletuner.cloud.spi.net;

/**
 * Metrics: {@code GET /api/metrics} (job counts, durations and cost over time) and the Prometheus
 * export ({@code /api/cloud/metrics/prometheus}, {@code /metrics}) through Micrometer.
 */
package dev.simpletuner.cloud.server.metrics;

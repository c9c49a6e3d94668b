/**
 * {@code GET /api/metrics}: job counts, durations and cost over time.
 */
package dev.simpletuner.cloud.server.metrics;

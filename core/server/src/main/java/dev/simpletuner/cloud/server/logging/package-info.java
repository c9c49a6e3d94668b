/**
 * The server's logging set-up: one console line per event at the configured level, set in code
 * for a fast start.
 */
package dev.simpletuner.cloud.server.logging;

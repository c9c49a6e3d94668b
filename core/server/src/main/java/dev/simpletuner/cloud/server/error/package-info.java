/**
 * The one error vocabulary: {@code ErrorCode} (code, HTTP status, type) and {@code AppException};
 * every failure a client sees is one of these.
 */
package dev.simpletuner.cloud.server.error;

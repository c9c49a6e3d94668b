/**
 * Secrets at rest (provider tokens, S3 keys) sealed with AES-256-GCM under the server's key.
 */
package dev.simpletuner.cloud.server.secret;

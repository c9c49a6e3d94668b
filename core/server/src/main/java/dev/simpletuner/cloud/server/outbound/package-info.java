/**
 * Calls this server makes to the outside on a user's behalf: the check that its public URL reaches
 * it (for provider webhooks).
 */
package dev.simpletuner.cloud.server.outbound;

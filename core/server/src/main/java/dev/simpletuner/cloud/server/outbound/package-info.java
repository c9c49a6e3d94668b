/**
 * Calls this server makes to the outside on a user's or a provider's behalf (the check that its
 * public URL reaches it, a provider's status page), and how every provider call is made: the
 * network settings (proxy, CA bundle, TLS verification, timeout) saved for a provider over the
 * environment's.
 */
package dev.simpletuner.cloud.server.outbound;

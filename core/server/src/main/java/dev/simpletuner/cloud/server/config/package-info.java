/**
 * The server's configuration: built-in defaults, config file, environment and flags, resolved once
 * into an immutable {@code ServerConfig}.
 */
package dev.simpletuner.cloud.server.config;

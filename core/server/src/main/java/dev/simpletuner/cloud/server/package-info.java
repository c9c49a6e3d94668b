/**
 * The server process: {@code Main} parses flags, {@code Server} resolves the configuration, opens the
 * store, loads plugins and deploys the verticles; {@code ServerContext} is what they share.
 */
package dev.simpletuner.cloud.server;

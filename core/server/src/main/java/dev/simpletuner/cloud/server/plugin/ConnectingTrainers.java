package dev.simpletuner.cloud.server.plugin;

/**
 * Marks a provider built into the server whose trainers run on machines that connect to this
 * server themselves (self-hosted workers): they reach it at the address they connected to, so no
 * public URL is needed for callbacks, datasets or outputs, and the server's worker fleet, not the
 * provider, hands its jobs out.
 */
public interface ConnectingTrainers {
}

package dev.simpletuner.cloud.spi;

/**
 * One hardware choice a provider offers.
 *
 * @param id            profile id used in submissions, e.g. {@code "h100-x2"}
 * @param label         human-readable, e.g. {@code "2x H100"}
 * @param costPerSecond USD per second; 0 for free (local)
 */
public record HardwareOffer(String id, String label, double costPerSecond) {
}

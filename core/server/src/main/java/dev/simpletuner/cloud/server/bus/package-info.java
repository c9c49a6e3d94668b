/**
 * The event bus between verticles: every address in one place, and typed request/reply
 * ({@link dev.simpletuner.cloud.server.bus.Bus#ask}) with errors crossing it intact.
 */
package dev.simpletuner.cloud.server.bus;

/**
 * Getting the trained model where the user wants it: planning deliveries at submit time, running
 * them through the delivery targets when a job ends, and their status.
 */
package dev.simpletuner.cloud.server.delivery;

/**
 * The delivery-target contract: where a finished job's model goes (a hub, an object store, a
 * directory), and the host services a target may use.
 */
package dev.simpletuner.cloud.spi.delivery;

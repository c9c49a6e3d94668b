/**
 * The OpenAPI contract as the source of truth: reading it, binding every operation to its handler,
 * validating parameters and bodies before a handler runs, and checking at start-up that every
 * operation documents the statuses the server sends.
 */
package dev.simpletuner.cloud.server.contract;

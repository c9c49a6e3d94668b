/**
 * The REST API: {@code HttpVerticle} builds the router, and each {@code *Routes} class is a thin
 * adapter from one area of the contract (jobs, configs, providers, deliveries, accounts, ...) to
 * the code that decides ({@code command.JobCommands} for jobs). Event streams (SSE) live here too.
 */
package dev.simpletuner.cloud.server.api;

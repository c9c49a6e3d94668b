/**
 * The job lifecycle, the one writer of job state: the state machine ({@code JobStatus}), the
 * lifecycle verticle that applies {@code JobCommand}s, dispatch to providers with per-provider
 * concurrency, provider reports, and crash recovery of dispatches.
 */
package dev.simpletuner.cloud.server.job;

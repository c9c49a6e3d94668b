/**
 * The one front door for everything that changes jobs (submit, cancel, delete, delivery retries,
 * approval decisions, trainer and provider reports): typed requests, the caller's identity,
 * ownership checks ({@code access.JobAccess}) and audit. Start reading here to follow a request
 * below the HTTP layer.
 */
package dev.simpletuner.cloud.server.command;

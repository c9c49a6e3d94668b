/**
 * Trainer callbacks: reading SimpleTuner's webhook events (streamed, images straight to files),
 * what each event means for the job (progress, stages, errors, checkpoints, validation images),
 * and step progress held in memory and written in batches.
 */
package dev.simpletuner.cloud.server.callback;

/**
 * The Replicate provider: trainings as predictions of the SimpleTuner model, inputs the model
 * declares, progress from its logs, webhooks verified as Standard Webhooks.
 */
package dev.simpletuner.cloud.provider.replicate;

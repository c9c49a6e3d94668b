/**
 * The submit pipeline: parsing a submit, resolving its config and dataloader, the trainer
 * arguments the real SimpleTuner needs, dataset, cost and approval checks, and storing the job.
 */
package dev.simpletuner.cloud.server.submit;

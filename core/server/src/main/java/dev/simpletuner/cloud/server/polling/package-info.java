/**
 * Reconciling jobs with providers that do not report on their own: status polls and cloud logs
 * copied into the job log.
 */
package dev.simpletuner.cloud.server.polling;

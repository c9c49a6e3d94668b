/**
 * Job logs: the trainer's console and provider logs appended to a job's log, and progress read
 * from the console (tqdm bars) where no callback reports it.
 */
package dev.simpletuner.cloud.server.joblog;

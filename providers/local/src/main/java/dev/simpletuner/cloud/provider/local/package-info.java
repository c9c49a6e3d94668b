/**
 * The local provider: runs the SimpleTuner trainer as a process on this machine, with the config,
 * dataloader and webhook it needs, and keeps track of it across server restarts.
 */
package dev.simpletuner.cloud.provider.local;

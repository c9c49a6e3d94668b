/**
 * Config snapshots to git: each submit commits the job's resolved config files to a configured
 * local repository and the job records the commit.
 */
package dev.simpletuner.cloud.server.snapshot;

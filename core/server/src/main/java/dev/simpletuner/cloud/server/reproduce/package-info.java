/**
 * Reproducible training: content hashes and diffs of configs, dry runs, clones of jobs and sweeps
 * of overrides over one base.
 */
package dev.simpletuner.cloud.server.reproduce;

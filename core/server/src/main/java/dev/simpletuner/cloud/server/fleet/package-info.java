/**
 * Self-hosted workers: GPU machines whose {@code simpletuner worker} agent joins this server,
 * takes jobs over an event stream and reports back. The wire protocol is the agent's
 * ({@code simpletuner/worker_agent.py}); the fleet keeps the workers, matches waiting jobs to
 * idle workers, notices silent ones and requeues what they ran.
 */
package dev.simpletuner.cloud.server.fleet;

/**
 * Several instances on one PostgreSQL: membership heartbeats, leases for work only one instance
 * may do, and the relay of job events between instances.
 */
package dev.simpletuner.cloud.server.cluster;

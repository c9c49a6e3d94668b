/**
 * The database (embedded SQLite or PostgreSQL): one store per concept over a shared {@code Db},
 * migrations, and the conditional updates that keep one writer of job status.
 */
package dev.simpletuner.cloud.server.store;

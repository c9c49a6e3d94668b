/** Retention: what the server forgets, when, and how it does so without holding the database. */
package dev.simpletuner.cloud.server.retention;

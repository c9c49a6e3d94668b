/**
 * Backups of the whole database while the server runs, kept under {@code <state>/backups/}, and
 * their restore into a fresh state directory or an empty PostgreSQL database (from the API or
 * {@code java -jar ... restore}). The encryption key goes into a backup only when asked, sealed
 * with a passphrase.
 */
package dev.simpletuner.cloud.server.backup;

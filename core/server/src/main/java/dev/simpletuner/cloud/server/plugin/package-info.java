/**
 * The plugin host: discovers provider and delivery plugins (built in and dropped-in jars), isolates
 * each in its own class loader, and is the only way to call into them.
 */
package dev.simpletuner.cloud.server.plugin;

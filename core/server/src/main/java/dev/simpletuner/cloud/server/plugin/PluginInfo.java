package dev.simpletuner.cloud.server.plugin;

/**
 * What the server knows about one plugin location, shown in {@code GET /api/plugins}.
 *
 * @param name     plugin name, or the location when it could not be loaded
 * @param version  plugin version, or null
 * @param location "built-in" or the jar/directory path
 * @param status   "loaded" or "refused"
 * @param error    why it was refused, or null
 */
public record PluginInfo(String name, String version, String location, String status, String error) {
}

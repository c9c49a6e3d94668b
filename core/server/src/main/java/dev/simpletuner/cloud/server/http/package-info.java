/**
 * HTTP plumbing shared by the API: typed access to validated parameters, JSON responses, the one
 * failure handler (every error one JSON shape), server-sent events, and request bodies that
 * spill to a file when large.
 */
package dev.simpletuner.cloud.server.http;

package dev.simpletuner.cloud.server;

import dev.simpletuner.cloud.server.auth.AuditLog;
import dev.simpletuner.cloud.server.auth.Authenticator;
import dev.simpletuner.cloud.server.cluster.Leases;
import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.plugin.Deliveries;
import dev.simpletuner.cloud.server.plugin.Providers;
import dev.simpletuner.cloud.server.secret.SecretBox;
import dev.simpletuner.cloud.server.s3.ObjectBlobs;
import dev.simpletuner.cloud.server.store.Store;
import java.time.Clock;
import java.util.Map;

/**
 * The services every verticle shares, built once at start-up.
 *
 * @param localBaseUrl how this process reaches itself, e.g. {@code http://127.0.0.1:8001}
 * @param hostId       stable id of this server's host and state directory
 * @param startedAt    epoch millis of start-up
 * @param leases       this instance's share of the background work, when several share the database
 * @param blobs        where the bytes of received objects are kept (local disk or the shared bucket)
 */
public record ServerContext(ServerConfig config, Map<String, String> env, Store store, Providers providers,
                            Deliveries deliveries, JobTokens tokens, SecretBox secrets, Authenticator auth,
                            AuditLog audit, String localBaseUrl, String hostId, Clock clock, long startedAt,
                            Leases leases, ObjectBlobs blobs) {

  public long now() {
    return clock.millis();
  }
}

package dev.simpletuner.cloud.server;

import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.auth.AuditLog;
import dev.simpletuner.cloud.server.auth.Authenticator;
import dev.simpletuner.cloud.server.auth.Sessions;
import dev.simpletuner.cloud.server.bus.Bus;
import dev.simpletuner.cloud.server.cluster.ClusterVerticle;
import dev.simpletuner.cloud.server.cluster.Leases;
import dev.simpletuner.cloud.server.command.JobCommands;
import dev.simpletuner.cloud.server.reproduce.SweepVerticle;
import dev.simpletuner.cloud.server.snapshot.GitSnapshots;
import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.server.delivery.DeliveryVerticle;
import dev.simpletuner.cloud.server.fleet.Fleet;
import dev.simpletuner.cloud.server.fleet.FleetVerticle;
import dev.simpletuner.cloud.server.fleet.WorkerStreams;
import dev.simpletuner.cloud.server.api.HttpVerticle;
import dev.simpletuner.cloud.server.job.JobLifecycleVerticle;
import dev.simpletuner.cloud.server.notify.NotificationVerticle;
import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.callback.StepProgress;
import dev.simpletuner.cloud.server.plugin.Deliveries;
import dev.simpletuner.cloud.server.plugin.HostJobReporter;
import dev.simpletuner.cloud.server.fleet.WorkerPasses;
import dev.simpletuner.cloud.server.plugin.PluginRegistry;
import dev.simpletuner.cloud.server.outbound.NetworkDefaults;
import dev.simpletuner.cloud.server.plugin.Providers;
import dev.simpletuner.cloud.server.polling.ProviderPollingVerticle;
import dev.simpletuner.cloud.server.secret.SecretBox;
import dev.simpletuner.cloud.server.metrics.Telemetry;
import dev.simpletuner.cloud.server.s3.ObjectBlobs;
import dev.simpletuner.cloud.server.store.Store;
import dev.simpletuner.cloud.server.upload.UploadVerticle;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Boots the server: state directory, store (with migrations), plugins, then the verticles; and
 * stops it so that nothing is lost: providers stop their running work and record it first.
 */
public final class Server {
  /** The server's version, as health and the cluster view report it. */
  public static final String VERSION = "1.0.0";
  private static final Logger LOG = LoggerFactory.getLogger(Server.class);

  private final Vertx vertx;
  private final ServerContext ctx;
  private final JobCommands commands;

  /** What an admin's shutdown request does; embedded servers (tests) just stop. */
  private volatile Runnable onShutdownRequest = this::stop;

  private Server(Vertx vertx, ServerContext ctx, JobCommands commands) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.commands = commands;
    vertx.eventBus().localConsumer(Addresses.SHUTDOWN_REQUESTED, m -> onShutdownRequest.run());
  }

  /** Replaces what an admin's shutdown request does (the process ends, its shutdown hook stops the server). */
  public void onShutdownRequest(Runnable action) {
    this.onShutdownRequest = action;
  }

  /** Starts a server; call from a plain thread (main or a test). */
  public static Future<Server> start(ServerConfig requested, Map<String, String> env) {
    return start(requested, env, HttpVerticle.parseContract());
  }

  /** @param parsed the contract, as {@link HttpVerticle#parseContract()} started parsing it (as early as it could) */
  public static Future<Server> start(ServerConfig requested, Map<String, String> env,
                                     CompletableFuture<HttpVerticle.ContractText> parsed) {
    ServerConfig config = requested.port() == 0 ? requested.withPort(freePort(requested.host())) : requested;
    StateDir.prepare(config);
    String hostId = StateDir.hostId(config);
    SecretBox secrets = SecretBox.open(config.stateDir(), env);
    PluginRegistry plugins = PluginRegistry.discover(config.pluginsDir());
    NetworkDefaults network;
    try {
      plugins.checkSettings(config, env); // before anything starts: a bad value stops the server, naming its key
      GitSnapshots.check(config.snapshots());
      network = NetworkDefaults.fromEnv(env);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Vertx vertx;
    try {
      // an unknown metrics category stops the server here
      vertx = Telemetry.newVertx(config.metrics(), config.storage().s3Port());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Bus.registerCodecs(vertx);
    long startedAt = System.currentTimeMillis();
    Clock clock = Clock.systemUTC();
    Future<HttpVerticle.ContractSource> contract = HttpVerticle.prepareContract(vertx, parsed);
    return Store.open(vertx, config.databaseUrl(), config.cloudDir().resolve("jobs.db"), hostId)
        .compose(store -> store.settings().putIfAbsent("server", "callback_key", randomKey(), startedAt)
            .compose(key -> Sessions.open(vertx, store, startedAt).compose(sessions -> Providers.load(vertx, config,
                    network, store, secrets, hostId, new HostJobReporter(vertx, store), new WorkerPasses(vertx, store,
                        config.publicUrl() != null ? config.publicUrl() : localBaseUrl(config), clock), plugins)
                .compose(providers -> Deliveries.load(vertx, config, env, store, secrets, plugins)
                .compose(deliveries -> ObjectBlobs.open(vertx, config).map(blobs -> new ServerContext(config, env, store,
                    providers, deliveries,
                    new JobTokens(Base64.getDecoder().decode(key)), secrets,
                    new Authenticator(store, sessions, clock), new AuditLog(store.audit(), secrets.derive("audit")),
                    localBaseUrl(config), hostId, clock, startedAt, new Leases(store.cluster(), hostId, clock),
                    blobs)))))))
        .compose(ctx -> deploy(vertx, ctx, contract))
        .onSuccess(server -> LOG.info("SimpleTuner cloud server listening on http://{}:{} (state {}, {} store, "
                + "providers {})", config.host(), config.port(), config.stateDir(),
            server.ctx.store().dialect().name().toLowerCase(), server.ctx.providers().ids()))
        .recover(e -> {
          // Fail first, then close: listeners of a future tied to a closed Vert.x never run.
          vertx.close();
          return Future.failedFuture(e);
        });
  }

  private static Future<Server> deploy(Vertx vertx, ServerContext ctx, Future<HttpVerticle.ContractSource> contract) {
    int httpInstances = Math.max(1, Runtime.getRuntime().availableProcessors());
    StepProgress steps = new StepProgress();
    JobCommands commands = new JobCommands(vertx, ctx, steps);
    WorkerStreams streams = new WorkerStreams();
    Fleet fleet = new Fleet(vertx, ctx, commands, streams);
    return vertx.deployVerticle(new ClusterVerticle(ctx))
        .compose(id -> vertx.deployVerticle(new UploadVerticle(ctx)))
        .compose(id -> vertx.deployVerticle(new JobLifecycleVerticle(ctx, steps)))
        .compose(id -> vertx.deployVerticle(new ProviderPollingVerticle(ctx)))
        .compose(id -> vertx.deployVerticle(new DeliveryVerticle(ctx)))
        .compose(id -> vertx.deployVerticle(new NotificationVerticle(ctx)))
        .compose(id -> vertx.deployVerticle(new FleetVerticle(ctx, commands, streams, fleet)))
        .compose(id -> vertx.deployVerticle(new SweepVerticle(ctx, commands)))
        .compose(id -> {
          var limiters = HttpVerticle.sharedLimiters(ctx.config().ratesPerMinute());
          return vertx.deployVerticle(() -> new HttpVerticle(ctx, limiters, contract, commands, fleet),
              new DeploymentOptions().setInstances(httpInstances));
        })
        .map(id -> new Server(vertx, ctx, commands));
  }

  public int port() {
    return ctx.config().port();
  }

  public ServerContext context() {
    return ctx;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The front door for what changes jobs, as the HTTP routes use it. */
  public JobCommands commands() {
    return commands;
  }

  /** Stops running local work and records it, then closes everything. */
  public Future<Void> stop() {
    LOG.info("Shutting down: stopping running jobs and recording their state");
    return ctx.providers().shutdown()
        .eventually(() -> Future.join(vertx.deploymentIDs().stream().map(vertx::undeploy).toList()))
        .eventually(() -> {
          ctx.providers().close();
          ctx.deliveries().close();
          return ctx.store().close();
        })
        .eventually(vertx::close)
        .onComplete(ar -> LOG.info("Stopped"));
  }

  private static String randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }

  private static String localBaseUrl(ServerConfig config) {
    String host = config.host();
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") || host.equals("localhost")) {
      host = "127.0.0.1";
    } else if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + config.port();
  }

  private static int freePort(String host) {
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName(host))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

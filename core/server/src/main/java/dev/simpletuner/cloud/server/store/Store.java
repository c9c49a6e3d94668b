package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The persistence contract: one set of stores over either backend. PostgreSQL (through
 * vertx-pg-client) when a database URL is given, else an embedded SQLite file (through
 * vertx-jdbc-client). Migrations are applied when it opens.
 */
public final class Store {
  private final Db db;
  private final JobStore jobs;
  private final LogStore logs;
  private final EventStore events;
  private final ConfigStore configs;
  private final SweepStore sweeps;
  private final SettingStore settings;
  private final UserStore users;
  private final ApiKeyStore apiKeys;
  private final AuditStore audit;
  private final ApprovalStore approvals;
  private final MetricStore metrics;
  private final OutputStore outputs;
  private final ArtifactStore artifacts;
  private final ClusterStore cluster;
  private final WorkerStore workers;
  private final AttemptStore attempts;
  private final RetentionStore retention;
  private final TelemetryStore telemetry;
  private final NotificationStore notifications;
  private final ServerEventStore serverEvents;
  private final PgConnectOptions pgOptions;
  private final Tables tables;

  private Store(Db db, PgConnectOptions pgOptions) {
    this.pgOptions = pgOptions;
    this.cluster = new ClusterStore(db);
    this.db = db;
    this.jobs = new JobStore(db);
    this.logs = new LogStore(db);
    this.events = new EventStore(db);
    this.configs = new ConfigStore(db);
    this.sweeps = new SweepStore(db);
    this.settings = new SettingStore(db);
    this.users = new UserStore(db);
    this.apiKeys = new ApiKeyStore(db);
    this.audit = new AuditStore(db);
    this.approvals = new ApprovalStore(db);
    this.metrics = new MetricStore(db);
    this.outputs = new OutputStore(db);
    this.artifacts = new ArtifactStore(db);
    this.workers = new WorkerStore(db);
    this.attempts = new AttemptStore(db);
    this.retention = new RetentionStore(db, jobs);
    this.telemetry = new TelemetryStore(db);
    this.notifications = new NotificationStore(db);
    this.serverEvents = new ServerEventStore(db);
    this.tables = new Tables(db);
  }

  /** The database itself, for this package's tests (a migration replayed on old rows). */
  Db db() {
    return db;
  }

  public WorkerStore workers() {
    return workers;
  }

  public TelemetryStore telemetry() {
    return telemetry;
  }

  public RetentionStore retention() {
    return retention;
  }

  public ServerEventStore serverEvents() {
    return serverEvents;
  }

  public NotificationStore notifications() {
    return notifications;
  }

  public AttemptStore attempts() {
    return attempts;
  }

  public ClusterStore cluster() {
    return cluster;
  }

  /** How to reach PostgreSQL (for a notification subscriber); empty on SQLite. */
  public Optional<PgConnectOptions> postgresOptions() {
    return Optional.ofNullable(pgOptions);
  }

  public OutputStore outputs() {
    return outputs;
  }

  public ArtifactStore artifacts() {
    return artifacts;
  }

  public MetricStore metrics() {
    return metrics;
  }

  public UserStore users() {
    return users;
  }

  public ApiKeyStore apiKeys() {
    return apiKeys;
  }

  public AuditStore audit() {
    return audit;
  }

  public ApprovalStore approvals() {
    return approvals;
  }

  /** Opens PostgreSQL at {@code databaseUrl}, or SQLite at {@code sqliteFile} when the URL is null. */
  public static Future<Store> open(Vertx vertx, String databaseUrl, Path sqliteFile) {
    return open(vertx, databaseUrl, sqliteFile, "simpletuner");
  }

  /**
   * @param instanceId how this process names itself to PostgreSQL ({@code application_name}), so
   *                   that notices of its own writes can be told from other instances'
   */
  public static Future<Store> open(Vertx vertx, String databaseUrl, Path sqliteFile, String instanceId) {
    PgConnectOptions pg = databaseUrl == null ? null
        : postgresOptions(databaseUrl).addProperty("application_name", instanceId);
    Db db = connect(vertx, pg, sqliteFile);
    return Migrations.apply(db)
        .map(v -> new Store(db, pg))
        .recover(e -> db.close().transform(x -> Future.failedFuture(e)));
  }

  /** The pools, without migrations (a restore target applies them itself). */
  static Db connect(Vertx vertx, PgConnectOptions pg, Path sqliteFile) {
    if (pg != null) {
      return Db.postgres(postgres(vertx, pg));
    }
    String url = sqliteUrl(sqliteFile);
    return Db.sqlite(sqlite(vertx, url, 3, "store-read"),
        new SqliteWriter(vertx, url, sqlite(vertx, url, 1, "store-write"), "store-writer"));
  }

  /** Every table of this database, for a backup: a consistent export and row counts. */
  public Tables tables() {
    return tables;
  }

  static PgConnectOptions postgresOptions(String url) {
    return PgConnectOptions.fromUri(url.startsWith("postgres://")
        ? "postgresql://" + url.substring("postgres://".length()) : url);
  }

  private static Pool postgres(Vertx vertx, PgConnectOptions connect) {
    PgConnectOptions options = new PgConnectOptions(connect).setCachePreparedStatements(true).setPipeliningLimit(16);
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(8).setShared(false).setName("store"))
        .connectingTo(options)
        .using(vertx)
        .build();
  }

  private static String sqliteUrl(Path file) {
    // WAL lets readers run beside the one writer (see Db); busy_timeout covers another process.
    return "jdbc:sqlite:" + file + "?journal_mode=WAL&synchronous=NORMAL&busy_timeout=30000&foreign_keys=true";
  }

  /** @param name how the pool is named in the metrics ({@code vertx_pool_*{pool_name}}) */
  private static Pool sqlite(Vertx vertx, String url, int connections, String name) {
    // No statement here reads generated keys back, and asking for them costs an extra result set.
    return JDBCPool.pool(vertx, new JDBCConnectOptions().setJdbcUrl(url).setAutoGeneratedKeys(false),
        new PoolOptions().setMaxSize(connections).setName(name));
  }

  public Dialect dialect() {
    return db.dialect();
  }

  public JobStore jobs() {
    return jobs;
  }

  public LogStore logs() {
    return logs;
  }

  public EventStore events() {
    return events;
  }

  public SweepStore sweeps() {
    return sweeps;
  }

  public ConfigStore configs() {
    return configs;
  }

  public SettingStore settings() {
    return settings;
  }

  public Future<Void> close() {
    return db.close();
  }
}

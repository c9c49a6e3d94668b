package dev.simpletuner.cloud.server.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.store.Store;
import dev.simpletuner.cloud.server.store.Tables;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A backup taken while jobs are submitted and trainers write logs, restored into a fresh state
 * directory (over HTTP) and into a fresh PostgreSQL database (with the restore command): both hold
 * exactly the backup's rows, the restored servers serve the old jobs, a dry run changes nothing,
 * the key travels only when asked and only under its passphrase.
 */
class BackupRestoreTest {
  private static final String PASSPHRASE = "correct horse battery staple";
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private final List<Path> dirs = new ArrayList<>();
  private String database;

  @AfterEach
  void clean() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    dirs.forEach(TestServer::deleteTree);
    Backend.POSTGRES.dropDatabase(database);
  }

  @Test
  void backupUnderLoadRestoresIntoAFreshStateDirAndAFreshPostgresDatabase() throws Exception {
    TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.01));
    cleanup.add(server);
    Api api = server.api();
    String config = config(api);

    // Load: submits back to back, each job's trainer posting progress and log lines.
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<String> submitted = new ConcurrentLinkedQueue<>();
    Thread load = new Thread(() -> {
      while (!stop.get()) {
        Api.Response r = api.post("/api/cloud/jobs/submit?provider=local",
            new JsonObject().put("config_name_to_load", config));
        if (r.status() == 200) {
          submitted.add(r.json().getString("job_id"));
        }
      }
    });
    load.start();
    // Under way: jobs queued and running, trainers' log lines arriving.
    while (submitted.size() < 3) {
      Api.sleep(50);
    }
    api.waitFor(submitted.peek(), j -> j.getJsonObject("progress").getInteger("current") != null,
        Duration.ofSeconds(30));
    // Log lines are written in batches, after the progress that came with them: wait for stored ones.
    long logsBy = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (api.get("/api/cloud/jobs/" + submitted.peek() + "/logs").json().getString("logs").isEmpty()) {
      assertThat(System.nanoTime()).as("the first job's log lines are stored").isLessThan(logsBy);
      Api.sleep(50);
    }
    Api.Response taken = api.post("/api/backup", new JsonObject().put("name", "under load")
        .put("include_key", true).put("passphrase", PASSPHRASE));
    Api.Response plain = api.post("/api/backup", new JsonObject().put("description", "no key"));
    stop.set(true);
    load.join();
    assertThat(taken.status()).as(taken.body()).isEqualTo(201);
    assertThat(plain.status()).as(plain.body()).isEqualTo(201);
    String id = taken.json().getString("backup_id");
    Path backup = Path.of(taken.json().getString("path"));
    assertThat(backup.getParent()).isEqualTo(server.stateDir().resolve("backups"));
    assertThat(taken.json().getBoolean("key_included")).isTrue();

    Map<String, List<String>> saved = backupRows(backup);
    assertThat(saved.get("jobs")).isNotEmpty();
    assertThat(saved.get("job_logs")).isNotEmpty();
    assertThat(saved).doesNotContainKeys("instances", "leases", "schema_migrations");
    consistent(backup);

    // Listed, fetched; a bad or unknown id is refused without touching a path.
    JsonObject list = api.get("/api/backup").json();
    assertThat(list.getJsonArray("backups").stream().map(b -> ((JsonObject) b).getString("id")).toList())
        .contains(id, plain.json().getString("id"));
    assertThat(api.get("/api/backup/" + id).json().getString("name")).isEqualTo("under load");
    assertThat(api.get("/api/backup/..%2F..%2Fsecret.key").status()).isEqualTo(400);
    assertThat(api.get("/api/backup/bk_20200101T000000_00000000").status()).isEqualTo(404);

    // The key: never in a backup unless asked, and then only sealed.
    String key = Files.readString(server.stateDir().resolve("secret.key")).strip();
    assertThat(allText(Path.of(plain.json().getString("path")))).doesNotContain(key);
    assertThat(allText(backup)).doesNotContain(key);
    assertThat(BackupDir.manifest(Path.of(plain.json().getString("path"))).getJsonObject("key")
        .containsKey("sealed")).isFalse();
    assertThat(api.post("/api/backup", new JsonObject().put("include_key", true)).status()).isEqualTo(400);

    // Dry runs change nothing: against this server, and against a fresh directory (not even created).
    JsonObject live = api.post("/api/backup/" + id + "/restore", new JsonObject().put("dry_run", true)).json();
    long jobsBefore = live.getJsonObject("tables").getJsonObject("jobs").getLong("target_rows_before");
    assertThat(live.getJsonObject("tables").getJsonObject("jobs").getLong("backup_rows"))
        .isEqualTo(saved.get("jobs").size());
    assertThat(live.getBoolean("same_key")).isTrue();
    Path fresh = Files.createTempDirectory("st-restore-").resolve("state");
    dirs.add(fresh.getParent());
    JsonObject dry = api.post("/api/backup/" + id + "/restore", new JsonObject().put("dry_run", true)
        .put("passphrase", PASSPHRASE).put("target", new JsonObject().put("state_dir", fresh.toString()))).json();
    assertThat(dry.getBoolean("dry_run")).isTrue();
    assertThat(dry.getJsonObject("tables").getJsonObject("job_logs").getLong("backup_rows"))
        .isEqualTo(saved.get("job_logs").size());
    assertThat(dry.getJsonObject("tables").getJsonObject("job_logs").getLong("target_rows_after")).isZero();
    assertThat(Files.exists(fresh)).isFalse();
    assertThat(api.post("/api/backup/" + id + "/restore", new JsonObject().put("dry_run", true)).json()
        .getJsonObject("tables").getJsonObject("jobs").getLong("target_rows_before")).isEqualTo(jobsBefore);
    assertThat(api.post("/api/backup/" + id + "/restore", new JsonObject()).status()).isEqualTo(409);

    // Over HTTP a target is one new folder in one that exists, away from the live state.
    for (Path refused : List.of(fresh.resolve("a").resolve("b"), server.stateDir().resolve("restored"),
        server.stateDir().getParent())) {
      Api.Response r = api.post("/api/backup/" + id + "/restore", new JsonObject().put("dry_run", true)
          .put("target", new JsonObject().put("state_dir", refused.toString())));
      assertThat(r.status()).as(refused + ": " + r.body()).isEqualTo(400);
    }
    assertThat(Files.exists(fresh)).isFalse();

    // A wrong passphrase is refused, in a dry run and for real, and leaves the target as it was.
    JsonObject wrong = new JsonObject().put("passphrase", "not the passphrase at all")
        .put("target", new JsonObject().put("state_dir", fresh.toString()));
    assertThat(api.post("/api/backup/" + id + "/restore", wrong.copy().put("dry_run", true)).status()).isEqualTo(400);
    assertThat(api.post("/api/backup/" + id + "/restore", wrong).status()).isEqualTo(400);
    assertThat(Files.exists(fresh)).isFalse();

    // Into a fresh state directory, over HTTP: the key comes back under its passphrase.
    Api.Response restored = api.post("/api/backup/" + id + "/restore", new JsonObject().put("passphrase", PASSPHRASE)
        .put("target", new JsonObject().put("state_dir", fresh.toString())));
    assertThat(restored.status()).as(restored.body()).isEqualTo(200);
    assertThat(restored.json().getBoolean("key_restored")).isTrue();
    assertThat(Files.readString(fresh.resolve("secret.key")).strip()).isEqualTo(key);
    // Not twice: the target is no longer empty.
    Api.Response again = api.post("/api/backup/" + id + "/restore", new JsonObject()
        .put("target", new JsonObject().put("state_dir", fresh.toString())));
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().getString("detail")).contains("not empty");

    // Into a fresh PostgreSQL database, with the restore command (no server running on it).
    database = Backend.POSTGRES.newDatabase();
    assertThat(RestoreCommand.run(List.of(backup.toString(), "--database-url", database, "--dry-run"), Map.of()))
        .isZero();
    assertThat(RestoreCommand.run(List.of(backup.toString(), "--database-url", database), Map.of())).isZero();
    assertThat(RestoreCommand.run(List.of(backup.toString(), "--database-url", database), Map.of())).isEqualTo(2);

    // Both hold the backup's rows, row for row.
    Vertx vertx = Vertx.vertx();
    cleanup.add(() -> vertx.close().await());
    Map<String, List<String>> inSqlite = rows(vertx, null, fresh.resolve("cloud").resolve("jobs.db"));
    Map<String, List<String>> inPostgres = rows(vertx, database, null);
    assertThat(inSqlite).isEqualTo(saved);
    assertThat(inPostgres).isEqualTo(saved);

    // The restored servers serve the old jobs, and take new ones (the PostgreSQL sequences moved on).
    List<String> oldJobs = jobIds(saved);
    TestServer onSqlite = TestServer.on(fresh, null, Map.of("SIMPLETUNER_LOCAL_COMMAND",
        TestServer.trainerCommand(0.01)));
    cleanup.add(onSqlite::stop);
    Path pgState = Files.createTempDirectory("st-restore-pg-");
    dirs.add(pgState);
    Files.copy(fresh.resolve("secret.key"), pgState.resolve("secret.key"));
    TestServer onPostgres = TestServer.on(pgState, database, Map.of("SIMPLETUNER_LOCAL_COMMAND",
        TestServer.trainerCommand(0.01)));
    cleanup.add(onPostgres::stop);
    for (TestServer s : List.of(onSqlite, onPostgres)) {
      for (String job : oldJobs) {
        assertThat(s.api().job(job).getString("job_id")).isEqualTo(job);
      }
      String next = s.api().post("/api/cloud/jobs/submit?provider=local",
          new JsonObject().put("config_name_to_load", config)).json().getString("job_id");
      assertThat(s.api().waitFor(next, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(60))
          .getString("status")).isEqualTo("completed");
    }

    // Deleted: gone from the list and the disk.
    assertThat(api.delete("/api/backup/" + plain.json().getString("id")).status()).isEqualTo(200);
    assertThat(Files.exists(Path.of(plain.json().getString("path")))).isFalse();
    assertThat(api.get("/api/backup/" + plain.json().getString("id")).status()).isEqualTo(404);
  }

  private static String config(Api api) {
    String name = "backup-config-" + UUID.randomUUID().toString().substring(0, 8);
    Api.Response created = api.post("/api/configs", new JsonObject().put("name", name)
        .put("config", Configs.lora().put("--max_train_steps", 20).put("--output_dir", "output"))
        .put("dataloader_config", new JsonArray().add(new JsonObject().put("id", "training-images")
            .put("type", "local").put("instance_data_dir", System.getProperty("java.io.tmpdir")))));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return name;
  }

  /** Each table's rows in the backup's files, normalised and sorted. */
  private static Map<String, List<String>> backupRows(Path backup) throws Exception {
    JsonObject tables = BackupDir.manifest(backup).getJsonObject("tables");
    Map<String, List<String>> out = new TreeMap<>();
    for (String table : tables.fieldNames()) {
      List<String> columns = tables.getJsonObject(table).getJsonArray("columns").stream().map(String::valueOf)
          .toList();
      List<String> rows = new ArrayList<>();
      try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(
          Files.newInputStream(BackupDir.tableFile(backup, table))), StandardCharsets.UTF_8))) {
        in.lines().forEach(line -> rows.add(normal(columns, new JsonArray(line))));
      }
      rows.sort(null);
      out.put(table, rows);
    }
    return out;
  }

  /** Each table's rows in a database, read through the store's own export, normalised and sorted. */
  private static Map<String, List<String>> rows(Vertx vertx, String url, Path sqlite) {
    Store store = Store.open(vertx, url, sqlite).await();
    try {
      Map<String, List<String>> out = new TreeMap<>();
      Map<String, List<String>> columns = new TreeMap<>();
      store.tables().export(new Tables.Sink() {
        @Override
        public Future<Void> table(Tables.Table table) {
          columns.put(table.name(), table.columns());
          out.put(table.name(), new ArrayList<>());
          return Future.succeededFuture();
        }

        @Override
        public Future<Void> rows(String table, List<JsonArray> rows) {
          rows.forEach(r -> out.get(table).add(normal(columns.get(table), r)));
          return Future.succeededFuture();
        }
      }).await();
      out.values().forEach(l -> l.sort(null));
      return out;
    } finally {
      store.close().await();
    }
  }

  /** A row as {column: value} with numbers in one spelling (SQLite and PostgreSQL type them differently). */
  private static String normal(List<String> columns, JsonArray values) {
    TreeMap<String, Object> row = new TreeMap<>();
    for (int i = 0; i < columns.size(); i++) {
      Object v = values.getValue(i);
      row.put(columns.get(i), v instanceof Number n ? new BigDecimal(n.toString()).stripTrailingZeros()
          .toPlainString() : v);
    }
    return new JsonObject(new java.util.LinkedHashMap<>(row)).encode();
  }

  /** One snapshot: every log line and event in the backup belongs to a job in it. */
  private static void consistent(Path backup) throws Exception {
    Map<String, List<String>> rows = backupRows(backup);
    Set<String> jobs = Set.copyOf(jobIds(rows));
    for (String table : List.of("job_logs", "job_events")) {
      for (String row : rows.get(table)) {
        String job = new JsonObject(row).getString("job_id");
        assertThat(job == null || jobs.contains(job)).as(table + " " + row).isTrue();
      }
    }
  }

  private static List<String> jobIds(Map<String, List<String>> rows) {
    return rows.get("jobs").stream().map(r -> new JsonObject(r).getString("job_id")).toList();
  }

  /** Every file of a backup as text, table files decompressed. */
  private static String allText(Path backup) throws Exception {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> files = Files.walk(backup)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.append(f.toString().endsWith(".gz")
            ? new String(new GZIPInputStream(Files.newInputStream(f)).readAllBytes(), StandardCharsets.UTF_8)
            : Files.readString(f));
      }
    }
    return out.toString();
  }
}

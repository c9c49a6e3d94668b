package dev.simpletuner.cloud.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The backup's store side on both backends: an export of every table in pages, loaded into a fresh
 * database of the other backend, where new rows get numbers past the restored ones.
 */
class TablesContractTest {
  private final Vertx vertx = Vertx.vertx();
  private final List<String> databases = new ArrayList<>();
  private Path dir;

  @AfterEach
  void close() {
    vertx.close().await();
    databases.forEach(Backend.POSTGRES::dropDatabase);
    TestServer.deleteTree(dir);
  }

  private String url(Backend b) {
    String url = b.newDatabase();
    if (url != null) {
      databases.add(url);
    }
    return url;
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void exportsEveryTableAndLoadsIntoTheOtherBackend(Backend source) throws Exception {
    dir = Files.createTempDirectory("st-tables-");
    Store store = Store.open(vertx, url(source), dir.resolve("source.db")).await();
    for (int i = 0; i < 1500; i++) { // more than one page
      store.events().add("job-" + (i % 7), "status", new JsonObject().put("i", i).put("x", 0.5), 1000L + i).await();
    }
    store.settings().putIfAbsent("server", "name", "value", 5).await();

    Map<String, List<String>> columns = new LinkedHashMap<>();
    Map<String, List<JsonArray>> rows = new LinkedHashMap<>();
    Tables.Exported exported = store.tables().export(new Tables.Sink() {
      @Override
      public Future<Void> table(Tables.Table table) {
        columns.put(table.name(), table.columns());
        rows.put(table.name(), new ArrayList<>());
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> rows(String table, List<JsonArray> page) {
        rows.get(table).addAll(page);
        return Future.succeededFuture();
      }
    }).await();
    store.close().await();
    assertThat(exported.schemaVersion()).isEqualTo(Tables.latestVersion());
    assertThat(rows.get("job_events")).hasSize(1500);
    assertThat(rows.keySet()).doesNotContainAnyElementsOf(Tables.SKIPPED).contains("jobs", "settings", "audit_log");

    Backend other = source == Backend.SQLITE ? Backend.POSTGRES : Backend.SQLITE;
    String targetUrl = url(other);
    RestoreTarget target = RestoreTarget.open(vertx, targetUrl, dir.resolve("target.db"));
    assertThat(target.schemaVersion().await()).isZero();
    target.migrate(exported.schemaVersion()).await();
    target.load(loader -> {
      Future<Void> chain = Future.succeededFuture();
      for (String t : rows.keySet()) {
        chain = chain.compose(v -> loader.insert(t, columns.get(t), rows.get(t)));
      }
      return chain.compose(v -> loader.sequences(exported.sequences()));
    }).await();
    Map<String, Long> counts = target.counts(rows.keySet()).await();
    target.close().await();
    rows.forEach((t, r) -> assertThat(counts.get(t)).as(t).isEqualTo(r.size()));

    Store restored = Store.open(vertx, targetUrl, dir.resolve("target.db")).await();
    restored.events().add("job-new", "status", new JsonObject(), 9999).await();
    List<EventStore.Event> last = restored.events().list("job-new", 0, 10).await();
    assertThat(last.get(0).id()).isEqualTo(1501);
    assertThat(restored.events().list("job-3", 0, 1000).await()).hasSize(1500 / 7 + (3 < 1500 % 7 ? 1 : 0));
    restored.close().await();
  }
}

package dev.simpletuner.cloud.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.store.NotificationStore.Attempt;
import dev.simpletuner.cloud.server.store.NotificationStore.Message;
import dev.simpletuner.cloud.server.store.NotificationStore.NewMessage;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What exactly-once delivery rests on, on both backends: the cursor, the outbox's unique key, one recorder per attempt. */
class NotificationStoreContractTest {

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aTimelineEntryRoutedTwiceIsOneMessageAndAnAttemptIsRecordedOnce(Backend b) throws Exception {
    Vertx vertx = Vertx.vertx();
    String url = b.newDatabase();
    Path dir = Files.createTempDirectory("st-store-");
    Store store = Store.open(vertx, url, dir.resolve("jobs.db")).await();
    try {
      store.events().add("job-1", "status", new JsonObject().put("status", "queued"), 1_000).await();
      NotificationStore n = store.notifications();
      long start = n.cursor("timeline").await();
      assertThat(store.events().after(start, 10).await()).as("written before the first pass, and not lost")
          .hasSize(1);
      store.events().add("job-1", "status", new JsonObject().put("status", "completed"), 2_000).await();
      long entry = store.events().after(start, 10).await().get(1).id();
      assertThat(n.cursor("another").await()).as("a new cursor starts at the end").isEqualTo(entry);

      long channel = n.createChannel("webhook", "hook", true, new JsonObject().put("webhook_url", "https://x"), 1_000)
          .await().id();
      NewMessage m = new NewMessage(entry, "job.completed", channel, "job-1", "u", "", new JsonObject().put("t", 1));
      n.route("timeline", entry, List.of(m), 3_000).await();
      n.route("timeline", entry, List.of(m, m), 3_001).await(); // derived again (another instance, a restart)
      assertThat(n.cursor("timeline").await()).isEqualTo(entry);
      n.route("timeline", start, List.of(), 3_002).await();
      assertThat(n.cursor("timeline").await()).as("the cursor never goes back").isEqualTo(entry);

      List<Message> due = n.due(3_000, 10).await();
      assertThat(due).hasSize(1);
      Message pending = due.get(0);
      Attempt failed = new Attempt(pending.id(), 1, 3_100, 503, "HTTP 503", 12);
      assertThat(n.attempted(pending, failed, "pending", 8_000).await()).isTrue();
      assertThat(n.attempted(pending, failed, "pending", 8_000).await()).as("a stale copy records nothing").isFalse();
      assertThat(n.due(7_999, 10).await()).as("waits for its retry").isEmpty();
      Message again = n.due(8_000, 10).await().get(0);
      assertThat(again.attempts()).isEqualTo(1);
      assertThat(n.attempted(again, new Attempt(again.id(), 2, 8_100, 200, null, 5), "delivered", 8_100).await())
          .isTrue();
      assertThat(n.due(Long.MAX_VALUE, 10).await()).isEmpty();

      Message done = n.history(null, "job-1", null, null, 10).await().get(0);
      assertThat(done.status()).isEqualTo("delivered");
      assertThat(done.deliveredAt()).isEqualTo(8_100);
      assertThat(n.attempts(List.of(done.id())).await()).extracting(Attempt::statusCode).containsExactly(503, 200);
      assertThat(n.counts().await().getLong("delivered")).isEqualTo(1);

      assertThat(n.createPreference("u", "job.completed", channel, true, new JsonArray(), "info", 1).await())
          .isPresent();
      assertThat(n.createPreference("u", "job.completed", channel, true, new JsonArray(), "info", 2).await())
          .as("one preference per user, event and channel").isEmpty();
      assertThat(n.anyWanted().await()).isTrue();
      assertThat(n.deleteChannel(channel, 9_000).await()).isTrue();
      assertThat(n.preferences(null).await()).isEmpty();
      assertThat(n.anyWanted().await()).isFalse();
    } finally {
      store.close().await();
      vertx.close().await();
      b.dropDatabase(url);
      TestServer.deleteTree(dir);
    }
  }
}

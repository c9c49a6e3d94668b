package dev.simpletuner.cloud.server.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Request/reply over a real event bus: every request gets an answer, failures keep their code. */
class BusTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aHandlerThatReturnsNoFutureIsAnsweredWithAnErrorNotATimeout() throws Exception {
    Bus.serve(vertx, "t.null", body -> null).await();
    Throwable failure = fail(Bus.request(vertx, "t.null", new JsonObject()));
    assertThat(failure).isInstanceOf(AppException.class);
    assertThat(((AppException) failure).code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
  }

  @Test
  void failuresCrossTheBusWithTheirCode() throws Exception {
    Bus.serve(vertx, "t.fail", body -> Future.failedFuture(new AppException(ErrorCode.INVALID_JOB_STATE, "no")))
        .await();
    Bus.serve(vertx, "t.throw", body -> {
      throw new IllegalArgumentException("bad");
    }).await();
    assertThat(((AppException) fail(Bus.request(vertx, "t.fail", new JsonObject()))).code())
        .isEqualTo(ErrorCode.INVALID_JOB_STATE);
    assertThat(((AppException) fail(Bus.request(vertx, "t.throw", new JsonObject()))).code())
        .isEqualTo(ErrorCode.INTERNAL_ERROR);
  }

  /** Well inside the bus's own send timeout: an answer, not a timeout. */
  private static Throwable fail(Future<JsonObject> reply) throws Exception {
    try {
      reply.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the request succeeded");
  }
}

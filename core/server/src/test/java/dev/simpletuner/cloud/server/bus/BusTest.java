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

  record Ask(String name) {
  }

  record Answer(String greeting, Ask asked) {
  }

  @Test
  void typedRequestsPassAsTheRecordsTheyAreAndFailuresKeepTheirCode() throws Exception {
    Bus.registerCodecs(vertx);
    Bus.answer(vertx, "t.typed", Ask.class, ask -> ask.name().isEmpty()
        ? Future.failedFuture(new AppException(ErrorCode.INVALID_INPUT, "no name"))
        : Future.succeededFuture(new Answer("hello " + ask.name(), ask))).await();
    Ask ask = new Ask("ada");
    Answer answer = Bus.<Answer>ask(vertx, "t.typed", ask).toCompletionStage().toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
    assertThat(answer.greeting()).isEqualTo("hello ada");
    assertThat(answer.asked()).isSameAs(ask); // not copied, not encoded
    assertThat(((AppException) fail(Bus.ask(vertx, "t.typed", new Ask("")))).code())
        .isEqualTo(ErrorCode.INVALID_INPUT);
    // A request of another type is the sender's bug: answered as an internal error at once.
    assertThat(((AppException) fail(Bus.ask(vertx, "t.typed", "not an Ask"))).code())
        .isEqualTo(ErrorCode.INTERNAL_ERROR);
  }

  @Test
  void aReportThatMustNotBeLostIsTriedAgainUntilTakenButARefusalIsFinal() throws Exception {
    Bus.registerCodecs(vertx);
    java.util.concurrent.atomic.AtomicInteger tries = new java.util.concurrent.atomic.AtomicInteger();
    Bus.answer(vertx, "t.flaky", Ask.class, ask -> tries.incrementAndGet() < 3
        ? Future.failedFuture(new IllegalStateException("the store is restarting")) // an internal error
        : Future.succeededFuture(new Answer("taken", ask))).await();
    Answer taken = Bus.<Answer>askUntilTaken(vertx, "t.flaky", new Ask("report"), 5, 50).toCompletionStage()
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(taken.greeting()).isEqualTo("taken");
    assertThat(tries).hasValue(3);

    // Nobody listening yet (a verticle still starting) is worth waiting for, within the attempts.
    assertThat(((AppException) fail(Bus.askUntilTaken(vertx, "t.nobody", new Ask("x"), 2, 50))).code())
        .isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);

    java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger();
    Bus.answer(vertx, "t.refuse", Ask.class, ask -> {
      refusals.incrementAndGet();
      return Future.failedFuture(new AppException(ErrorCode.INVALID_JOB_STATE, "the job has ended"));
    }).await();
    assertThat(((AppException) fail(Bus.askUntilTaken(vertx, "t.refuse", new Ask("x"), 5, 50))).code())
        .isEqualTo(ErrorCode.INVALID_JOB_STATE);
    assertThat(refusals).hasValue(1);
  }

  /** Well inside the bus's own send timeout: an answer, not a timeout. */
  private static Throwable fail(Future<?> reply) throws Exception {
    try {
      reply.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the request succeeded");
  }
}

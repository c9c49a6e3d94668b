package dev.simpletuner.cloud.server.bus;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Request/reply over the event bus with {@link AppException}s crossing it intact. */
public final class Bus {
  private static final Logger LOG = LoggerFactory.getLogger(Bus.class);
  private static final DeliveryOptions DEFAULT = new DeliveryOptions().setSendTimeout(60_000);
  private static final DeliveryOptions LOCAL = new DeliveryOptions(DEFAULT).setCodecName(LocalCodec.NAME);

  private Bus() {
  }

  /** Sends a request and maps a failed reply back to the {@link AppException} the handler raised. */
  public static Future<JsonObject> request(Vertx vertx, String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, DEFAULT)
        .map(Message::body)
        .recover(Bus::toAppException);
  }

  /** Registers a request handler; failures of the returned future are replied as error codes. */
  public static Future<Void> serve(Vertx vertx, String address, Function<JsonObject, Future<JsonObject>> handler) {
    return consume(vertx, address, JsonObject.class, handler, new DeliveryOptions());
  }

  /**
   * Sends a typed request (a record of immutable values) to a handler in this process and returns
   * its typed answer; failures come back as the {@link AppException} the handler raised.
   */
  public static <R> Future<R> ask(Vertx vertx, String address, Object request) {
    return vertx.eventBus().<R>request(address, request, LOCAL)
        .map(Message::body)
        .recover(Bus::toAppException);
  }

  /**
   * {@link #ask}, tried again while the handler cannot be reached or fails unexpectedly (timeout,
   * no handler yet, internal error), {@code firstDelayMs} apart and doubling up to a minute; a
   * refusal in the error vocabulary (bad input, wrong state...) is final. For reports that must
   * not be lost.
   */
  public static <R> Future<R> askUntilTaken(Vertx vertx, String address, Object request, int attempts,
                                            long firstDelayMs) {
    return Bus.<R>ask(vertx, address, request).recover(e -> {
      boolean retryable = !(e instanceof AppException app) || app.code() == ErrorCode.TIMEOUT
          || app.code() == ErrorCode.SERVICE_UNAVAILABLE || app.code() == ErrorCode.INTERNAL_ERROR;
      if (!retryable || attempts <= 1) {
        return Future.failedFuture(e);
      }
      LOG.warn("{} was not taken in, trying again in {} ms: {}", request, firstDelayMs, e.getMessage());
      return vertx.timer(firstDelayMs).compose(v -> askUntilTaken(vertx, address, request, attempts - 1,
          Math.min(60_000, firstDelayMs * 2)));
    });
  }

  /** Registers the handler of typed requests of one type (see {@link #ask}). */
  public static <C, R> Future<Void> answer(Vertx vertx, String address, Class<C> type, Function<C, Future<R>> handler) {
    return consume(vertx, address, type, handler, LOCAL);
  }

  /** Lets {@link #ask} and {@link #answer} pass records by reference; once per Vert.x instance. */
  public static void registerCodecs(Vertx vertx) {
    vertx.eventBus().registerCodec(new LocalCodec());
  }

  private static <C, R> Future<Void> consume(Vertx vertx, String address, Class<C> type,
                                             Function<C, Future<R>> handler, DeliveryOptions replyOptions) {
    return vertx.eventBus().<Object>consumer(address, message -> {
      Future<R> result;
      try {
        result = handler.apply(type.cast(message.body()));
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      if (result == null) {
        // A requester must never wait for its timeout because a handler forgot to answer.
        result = Future.failedFuture(new IllegalStateException("no reply from the handler of " + address));
      }
      result.onSuccess(reply -> message.reply(reply, replyOptions)).onFailure(e -> fail(message, e));
    }).completion();
  }

  private static void fail(Message<?> message, Throwable e) {
    AppException app = e instanceof AppException a ? a : internal(e);
    message.fail(app.code().httpStatus(), app.toJson().encode());
  }

  private static AppException internal(Throwable e) {
    LOG.error("Unexpected failure handling a request", e);
    return new AppException(ErrorCode.INTERNAL_ERROR, "Internal error", null, e);
  }

  private static <T> Future<T> toAppException(Throwable e) {
    if (e instanceof ReplyException reply) {
      switch (reply.failureType()) {
        case TIMEOUT:
          return Future.failedFuture(new AppException(ErrorCode.TIMEOUT, "The server took too long to answer."));
        case NO_HANDLERS:
          return Future.failedFuture(new AppException(ErrorCode.SERVICE_UNAVAILABLE, "The server is starting or stopping."));
        case RECIPIENT_FAILURE:
        case ERROR:
          try {
            return Future.failedFuture(AppException.fromJson(new JsonObject(reply.getMessage())));
          } catch (DecodeException | NullPointerException notJson) {
            return Future.failedFuture(internal(e));
          }
      }
    }
    return Future.failedFuture(e);
  }
}

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
    return vertx.eventBus().<JsonObject>consumer(address, message -> {
      Future<JsonObject> result;
      try {
        result = handler.apply(message.body());
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      if (result == null) {
        // A requester must never wait for its timeout because a handler forgot to answer.
        result = Future.failedFuture(new IllegalStateException("no reply from the handler of " + address));
      }
      result.onSuccess(message::reply).onFailure(e -> fail(message, e));
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

  private static Future<JsonObject> toAppException(Throwable e) {
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

package dev.simpletuner.cloud.server.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/** One Server-Sent Events connection: framing, keep-alives, and clean-up when it closes. */
public final class Sse {
  private static final long KEEPALIVE_MS = 15_000;
  private final HttpServerResponse response;
  private final long keepAlive;
  private final Vertx vertx;
  private boolean closed;

  private Sse(Vertx vertx, HttpServerResponse response) {
    this.vertx = vertx;
    this.response = response;
    this.keepAlive = vertx.setPeriodic(KEEPALIVE_MS, id -> comment("keep-alive"));
  }

  /** Starts the stream; {@code onClose} runs once when either side ends it. */
  public static Sse open(RoutingContext rc, Runnable onClose) {
    HttpServerResponse response = rc.response()
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        // Never compressed: a compressor may hold events back, and event streams are small anyway.
        .putHeader("Content-Encoding", "identity")
        .putHeader("X-Accel-Buffering", "no");
    Sse sse = new Sse(rc.vertx(), response);
    response.closeHandler(v -> sse.closed(onClose));
    response.endHandler(v -> sse.closed(onClose));
    response.write("retry: 3000\n\n");
    return sse;
  }

  private void closed(Runnable onClose) {
    if (!closed) {
      closed = true;
      vertx.cancelTimer(keepAlive);
      onClose.run();
    }
  }

  boolean isOpen() {
    return !closed && !response.closed() && !response.ended();
  }

  /** Sends one event; multi-line data becomes several {@code data:} lines. False when the stream has ended. */
  public boolean send(String event, String id, String data) {
    if (!isOpen()) {
      return false;
    }
    StringBuilder frame = new StringBuilder();
    if (event != null) {
      frame.append("event: ").append(event).append('\n');
    }
    if (id != null) {
      frame.append("id: ").append(id).append('\n');
    }
    for (String line : data.split("\r\n|\r|\n", -1)) {
      frame.append("data: ").append(line).append('\n');
    }
    response.write(frame.append('\n').toString());
    return true;
  }

  public void comment(String text) {
    if (isOpen()) {
      response.write(": " + text + "\n\n");
    }
  }

  public void end() {
    if (isOpen()) {
      response.end();
    }
  }

  /** True when the client is slower than the stream (the write queue is full). */
  public boolean congested() {
    return response.writeQueueFull();
  }
}

package dev.simpletuner.cloud.delivery.s3;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An HTTP server that answers S3 requests from a script, for the answers s3proxy never gives
 * (503 SlowDown, 429, a 200 carrying {@code <Error>}). It records every request it received.
 */
final class ScriptedS3Server {
  /** What arrived: method, path, raw query, body size and its hex MD5, and the request's index of its kind. */
  record Received(String method, String path, String query, long bodyLength, String bodyMd5, int nth) {
    boolean is(String method, String queryStart) {
      return this.method.equals(method) && (queryStart == null ? query == null : query != null
          && query.startsWith(queryStart));
    }
  }

  /** An answer; {@code headers} may be empty. */
  record Reply(int status, MultiMap headers, String body) {
    static Reply of(int status, String body) {
      return new Reply(status, MultiMap.caseInsensitiveMultiMap(), body);
    }

    static Reply error(int status, String code, String message) {
      return of(status, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
          + "</Message><RequestId>1</RequestId></Error>");
    }

    Reply header(String name, String value) {
      headers.add(name, value);
      return this;
    }
  }

  final List<Received> received = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private volatile Function<Received, Reply> script;

  private ScriptedS3Server(Vertx vertx) {
    server = vertx.createHttpServer().requestHandler(req -> {
      MessageDigest md5 = md5();
      long[] length = {0};
      req.handler(b -> {
        md5.update(b.getBytes());
        length[0] += b.length();
      });
      req.endHandler(v -> {
        int nth = (int) received.stream().filter(r -> r.method().equals(req.method().name())
            && String.valueOf(r.query()).equals(String.valueOf(req.query()))).count() + 1;
        Received r = new Received(req.method().name(), req.path(), req.query(), length[0],
            HexFormat.of().formatHex(md5.digest()), nth);
        received.add(r);
        Reply reply = script.apply(r);
        req.response().setStatusCode(reply.status()).headers().addAll(reply.headers());
        req.response().end(reply.body() == null ? "" : reply.body());
      });
    });
  }

  static Future<ScriptedS3Server> start(Vertx vertx, Function<Received, Reply> script) {
    ScriptedS3Server s = new ScriptedS3Server(vertx);
    s.script = script;
    return s.server.listen(0, "127.0.0.1").map(x -> s);
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  long count(String method, String queryStart) {
    return received.stream().filter(r -> r.is(method, queryStart)).count();
  }

  Future<Void> close() {
    return server.close();
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

package dev.simpletuner.cloud.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The per-request series of an HTTP server, under the names and tags Vert.x's Micrometer metrics
 * give them ({@code vertx_http_server_requests_total{endpoint,method,code}}, request and response
 * bytes, response time, active requests, resets), with each meter looked up once per endpoint,
 * method and status instead of on every request: Vert.x's own lookups were a tenth of the cost of
 * a trainer event. Connections and bytes on the wire stay with Vert.x's own metrics ({@code tcp}).
 */
final class HttpServerMeters implements HttpServerMetrics<HttpServerMeters.Request, Void, Object> {
  private final HttpServerMetrics<Object, Object, Object> tcp;
  private final MeterRegistry registry;
  private final String endpoint;
  private final ConcurrentMap<String, ConcurrentMap<HttpMethod, Route>> routes = new ConcurrentHashMap<>();

  /** @param endpoint the endpoint of every request of this server (the storage port's), or null: by path */
  HttpServerMeters(HttpServerMetrics<Object, Object, Object> tcp, MeterRegistry registry, String endpoint) {
    this.tcp = tcp;
    this.registry = registry;
    this.endpoint = endpoint;
  }

  /** One request in flight: where it goes, and since when. */
  record Request(Route route, long started) {
  }

  /** The meters of one endpoint and method; those of each status are made when it first occurs. */
  final class Route {
    private final Tags tags;
    private final AtomicLong active = new AtomicLong();
    private final DistributionSummary requestBytes;
    private final Counter resets;
    private final AtomicReferenceArray<Done> byStatus = new AtomicReferenceArray<>(600);

    Route(String endpoint, HttpMethod method) {
      tags = Tags.of("endpoint", endpoint, "method", method.name());
      Gauge.builder("vertx.http.server.active.requests", active, AtomicLong::get)
          .description("Number of requests being processed").tags(tags).register(registry);
      requestBytes = DistributionSummary.builder("vertx.http.server.request.bytes")
          .description("Size of requests in bytes").tags(tags).register(registry);
      resets = Counter.builder("vertx.http.server.request.resets").description("Number of request resets")
          .tags(tags).register(registry);
    }

    Done done(int status) {
      int slot = status >= 0 && status < 600 ? status : 0;
      Done done = byStatus.get(slot);
      if (done == null) {
        byStatus.compareAndSet(slot, null, new Done(tags.and("code", String.valueOf(status))));
        done = byStatus.get(slot);
      }
      return done;
    }
  }

  /** The meters of requests answered with one status. */
  final class Done {
    private final Counter requests;
    private final DistributionSummary responseBytes;
    private final Timer time;

    Done(Tags tags) {
      requests = Counter.builder("vertx.http.server.requests").description("Number of processed requests")
          .tags(tags).register(registry);
      responseBytes = DistributionSummary.builder("vertx.http.server.response.bytes")
          .description("Size of responses in bytes").tags(tags).register(registry);
      time = Timer.builder("vertx.http.server.response.time").description("Request processing time")
          .tags(tags).register(registry);
    }
  }

  @Override
  public Request requestBegin(Object socket, HttpRequest request) {
    String name = endpoint != null ? endpoint : Telemetry.endpoint(request.uri());
    Route route = routes.computeIfAbsent(name, e -> new ConcurrentHashMap<>())
        .computeIfAbsent(request.method(), m -> new Route(name, m));
    route.active.incrementAndGet();
    return new Request(route, System.nanoTime());
  }

  @Override
  public void requestEnd(Request request, HttpRequest http, long bytesRead) {
    request.route().requestBytes.record(bytesRead);
  }

  @Override
  public void requestReset(Request request) {
    request.route().active.decrementAndGet();
    request.route().resets.increment();
  }

  @Override
  public void responseEnd(Request request, HttpResponse response, long bytesWritten) {
    request.route().active.decrementAndGet();
    Done done = request.route().done(response.statusCode());
    done.requests.increment();
    done.responseBytes.record(bytesWritten);
    done.time.record(System.nanoTime() - request.started(), TimeUnit.NANOSECONDS);
  }

  @Override
  public Object connected(SocketAddress remoteAddress, String remoteName) {
    return tcp.connected(remoteAddress, remoteName);
  }

  @Override
  public void disconnected(Object socket, SocketAddress remoteAddress) {
    tcp.disconnected(socket, remoteAddress);
  }

  @Override
  public void bytesRead(Object socket, SocketAddress remoteAddress, long bytes) {
    tcp.bytesRead(socket, remoteAddress, bytes);
  }

  @Override
  public void bytesWritten(Object socket, SocketAddress remoteAddress, long bytes) {
    tcp.bytesWritten(socket, remoteAddress, bytes);
  }

  @Override
  public void exceptionOccurred(Object socket, SocketAddress remoteAddress, Throwable t) {
    tcp.exceptionOccurred(socket, remoteAddress, t);
  }

  @Override
  public void close() {
    tcp.close();
  }
}

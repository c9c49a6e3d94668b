package dev.simpletuner.cloud.delivery.s3;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP forwarder in front of a real server that can break the network on purpose: after a budget
 * of client-to-server bytes it cuts every connection and refuses new ones until {@link #heal()}.
 * It also counts the bytes clients sent, so tests can tell how much was (re)uploaded.
 */
public final class FaultInjectingProxy {
  private final Vertx vertx;
  private final String targetHost;
  private final int targetPort;
  private final NetClient client;
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong upstreamBytes = new AtomicLong();
  /** Bytes still allowed before the cut; negative means unlimited. */
  private final AtomicLong budget = new AtomicLong(-1);
  private volatile boolean broken;
  /** After the cut, accept new connections again (a network blip rather than an outage). */
  private volatile boolean blip;
  private NetServer server;

  private FaultInjectingProxy(Vertx vertx, String targetHost, int targetPort) {
    this.vertx = vertx;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5_000));
  }

  /** Listens on a free loopback port and forwards to {@code targetHost:targetPort}. */
  public static Future<FaultInjectingProxy> start(Vertx vertx, String targetHost, int targetPort) {
    FaultInjectingProxy proxy = new FaultInjectingProxy(vertx, targetHost, targetPort);
    proxy.server = vertx.createNetServer().connectHandler(proxy::accept);
    return proxy.server.listen(0, "127.0.0.1").map(s -> proxy);
  }

  public int port() {
    return server.actualPort();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port();
  }

  /** After {@code bytes} more client-to-server bytes, cut all connections and refuse new ones. */
  public void cutAfter(long bytes) {
    blip = false;
    budget.set(bytes);
  }

  /** After {@code bytes} more client-to-server bytes, cut all open connections once; new ones work. */
  public void cutOnceAfter(long bytes) {
    blip = true;
    budget.set(bytes);
  }

  /** Cut everything now and refuse new connections. */
  public void breakNow() {
    broken = true;
    List.copyOf(open).forEach(NetSocket::close);
  }

  /** Forward normally again. */
  public void heal() {
    budget.set(-1);
    broken = false;
  }

  public boolean isBroken() {
    return broken;
  }

  /** Client-to-server bytes forwarded so far. */
  public long upstreamBytes() {
    return upstreamBytes.get();
  }

  public void resetCounters() {
    upstreamBytes.set(0);
  }

  public Future<Void> close() {
    List.copyOf(open).forEach(NetSocket::close);
    return server.close().eventually(client::close);
  }

  private void accept(NetSocket downstream) {
    if (broken) {
      downstream.close();
      return;
    }
    downstream.pause();
    open.add(downstream);
    downstream.closeHandler(v -> open.remove(downstream));
    client.connect(targetPort, targetHost).onComplete(ar -> {
      if (ar.failed() || broken) {
        downstream.close();
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      NetSocket upstream = ar.result();
      open.add(upstream);
      upstream.closeHandler(v -> {
        open.remove(upstream);
        downstream.close();
      });
      downstream.closeHandler(v -> {
        open.remove(downstream);
        upstream.close();
      });
      // Server to client: forwarded as is, with back-pressure.
      upstream.pipeTo(downstream).onFailure(e -> downstream.close());
      // Client to server: counted against the budget.
      downstream.handler(buffer -> forward(buffer, downstream, upstream));
      downstream.endHandler(v -> upstream.end());
      downstream.resume();
    });
  }

  private void forward(Buffer buffer, NetSocket downstream, NetSocket upstream) {
    if (broken) {
      return;
    }
    Buffer send = buffer;
    long left = budget.get();
    if (left >= 0) {
      if (buffer.length() >= left) {
        send = buffer.slice(0, (int) left);
        budget.set(0);
        upstreamBytes.addAndGet(send.length());
        upstream.write(send);
        breakNow();
        if (blip) {
          heal();
        }
        return;
      }
      budget.addAndGet(-buffer.length());
    }
    upstreamBytes.addAndGet(send.length());
    upstream.write(send);
    if (upstream.writeQueueFull()) {
      downstream.pause();
      upstream.drainHandler(v -> downstream.resume());
    }
  }
}

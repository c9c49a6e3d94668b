package dev.simpletuner.cloud.server.http;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Set;
import java.util.Locale;

/**
 * Decides who a request is before anything else runs. Operations the contract marks public pass.
 * Everything else, while no accounts exist, is allowed only straight from loopback: a request that
 * came through a tunnel or proxy (forwarding headers) or from another machine must authenticate.
 * Browser requests from other origins and foreign Host names (DNS rebinding) are refused too.
 */
final class AccessGuard implements Handler<RoutingContext> {
  private static final Set<String> FORWARDING_HEADERS = Set.of("forwarded", "x-forwarded-for", "x-forwarded-host",
      "x-forwarded-proto", "x-real-ip", "cf-connecting-ip", "true-client-ip", "x-client-ip", "x-cluster-client-ip",
      "fastly-client-ip", "x-original-forwarded-for", "via");

  private final ContractRoutes routes;

  AccessGuard(ContractRoutes routes) {
    this.routes = routes;
  }

  @Override
  public void handle(RoutingContext rc) {
    HttpServerRequest request = rc.request();
    ContractRoutes.Operation operation = routes.find(request.method(), request.path());
    if (operation == null || operation.isPublic()) {
      rc.next();
      return;
    }
    if (!isDirectLoopback(request)) {
      rc.fail(new AppException(ErrorCode.AUTHENTICATION_REQUIRED, "Authentication required: requests that come "
          + "through a tunnel or proxy, or from another machine, must authenticate."));
      return;
    }
    if (!isLocalHostHeader(request.getHeader("Host"))) {
      rc.fail(new AppException(ErrorCode.PERMISSION_DENIED, "Requests must address this server as localhost."));
      return;
    }
    if (isCrossOrigin(request)) {
      rc.fail(new AppException(ErrorCode.PERMISSION_DENIED, "Cross-origin requests are not allowed."));
      return;
    }
    rc.put(Principal.KEY, Principal.LOCAL_ADMIN);
    rc.next();
  }

  static boolean isDirectLoopback(HttpServerRequest request) {
    for (Map.Entry<String, String> header : request.headers()) {
      if (FORWARDING_HEADERS.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        return false;
      }
    }
    SocketAddress peer = request.remoteAddress();
    return peer != null && isLoopback(peer.hostAddress());
  }

  private static boolean isLoopback(String address) {
    if (address == null) {
      return false;
    }
    String a = address.toLowerCase(Locale.ROOT);
    return a.startsWith("127.") || a.equals("::1") || a.equals("0:0:0:0:0:0:0:1") || a.startsWith("::ffff:127.");
  }

  private static boolean isLocalHostHeader(String host) {
    if (host == null) {
      return true;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      h = h.substring(0, h.indexOf(']') + 1);
    } else if (h.contains(":")) {
      h = h.substring(0, h.indexOf(':'));
    }
    return h.equals("localhost") || h.endsWith(".localhost") || h.startsWith("127.") || h.equals("[::1]");
  }

  private static boolean isCrossOrigin(HttpServerRequest request) {
    String origin = request.getHeader("Origin");
    if (origin == null || origin.equals("null") && request.method().name().equals("GET")) {
      return false;
    }
    String host = request.getHeader("Host");
    return host == null || !(origin.equalsIgnoreCase("http://" + host) || origin.equalsIgnoreCase("https://" + host));
  }

  static Principal principal(RoutingContext rc) {
    Principal p = rc.get(Principal.KEY);
    if (p == null) {
      throw new AppException(ErrorCode.AUTHENTICATION_REQUIRED, "Authentication required.");
    }
    return p;
  }
}

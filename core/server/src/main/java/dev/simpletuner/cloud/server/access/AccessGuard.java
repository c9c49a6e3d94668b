package dev.simpletuner.cloud.server.access;

import dev.simpletuner.cloud.server.contract.Contract;
import dev.simpletuner.cloud.server.contract.OperationTable;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.config.ConfigException;
import dev.simpletuner.cloud.server.auth.Authenticator;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.auth.RateLimiter;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides who a request is and whether it may proceed, before its body is read, from the
 * contract: public operations pass; every other one needs a principal holding one of the
 * operation's {@code x-permissions}. With no accounts yet, a request straight from loopback is the
 * machine's owner; one that came through a tunnel or proxy (forwarding headers) or from another
 * machine must authenticate. Cookie sessions are refused for cross-site requests (CSRF), and
 * {@code x-rate-limit} classes are enforced here.
 */
public final class AccessGuard implements Handler<RoutingContext> {
  private static final Set<String> FORWARDING_HEADERS = Set.of("forwarded", "x-forwarded-for", "x-forwarded-host",
      "x-forwarded-proto", "x-real-ip", "cf-connecting-ip", "true-client-ip", "x-client-ip", "x-cluster-client-ip",
      "fastly-client-ip", "x-original-forwarded-for", "via");
  /**
   * Requests per minute per class: login and setup per address, callbacks per job, the rest per
   * caller. Trainer callbacks: SimpleTuner sends 1.12 events per training step (one status, plus
   * checkpoints, validations and stages; recorded from its own webhook handler and logger by
   * bench/callbacks.sh) and mirrors every log record as it is written, one request at a time,
   * which comes in bursts of hundreds per second while it starts: the limit only bounds abuse of a
   * job's token.
   */
  private static final Map<String, Integer> LIMITS = Map.of("login", 10, "setup", 5, "api_key_create", 10,
      "submit", 120, "callback", 30_000, "webhook", 600, "storage", 3000);

  private final OperationTable routes;
  private final ServerContext ctx;
  private final Authenticator auth;
  private final Map<String, RateLimiter> limiters;

  public AccessGuard(OperationTable routes, ServerContext ctx, Map<String, RateLimiter> limiters) {
    this.routes = routes;
    this.ctx = ctx;
    this.auth = ctx.auth();
    this.limiters = limiters;
  }

  /** The limiters all HTTP verticles of this process share; {@code overrides} from the config file. */
  public static Map<String, RateLimiter> sharedLimiters(Map<String, Integer> overrides) {
    for (String name : overrides.keySet()) {
      if (!LIMITS.containsKey(name)) {
        throw new ConfigException("Unknown rate-limit class '" + name + "' in limits.rate_per_minute; known: "
            + new java.util.TreeSet<>(LIMITS.keySet()) + ".");
      }
    }
    java.util.HashMap<String, RateLimiter> m = new java.util.HashMap<>();
    LIMITS.forEach((name, perMinute) -> m.put(name, new RateLimiter(overrides.getOrDefault(name, perMinute), 60_000)));
    return Map.copyOf(m);
  }

  @Override
  public void handle(RoutingContext rc) {
    HttpServerRequest request = rc.request();
    OperationTable.Match match = routes.match(request.method(), request.path());
    if (match == null) {
      List<String> allowed = routes.methodsAt(request.path());
      if (allowed.isEmpty()) {
        rc.next(); // not an API path: the web UI's files, or 404
        return;
      }
      // A path of the contract with a method it does not have: say which it has (RFC 9110 15.5.6).
      rc.response().putHeader(HttpHeaders.ALLOW, String.join(", ", allowed));
      if (request.method() == HttpMethod.OPTIONS) {
        request.resume();
        rc.response().setStatusCode(204).end();
        return;
      }
      rc.fail(new AppException(ErrorCode.METHOD_NOT_ALLOWED, request.method().name() + " is not a method of "
          + request.path() + "; it has " + String.join(", ", allowed) + ".",
          new JsonObject().put("allowed", new JsonArray(allowed))));
      return;
    }
    rc.put(OperationTable.Match.KEY, match);
    OperationTable.Operation op = match.operation();
    String ip = sourceIp(request);
    if (op.isPublic()) {
      if (limited(rc, op, ip + " " + (op.rateLimit() != null && op.rateLimit().equals("callback")
          ? request.path() : ""))) {
        return;
      }
      rc.next();
      return;
    }
    if (ScrapeToken.admits(op, request, ctx.config().metrics().scrapeToken())) {
      rc.next(); // a scraper: no principal, and only the metrics admit it
      return;
    }
    Authenticator.Credentials creds = Authenticator.credentials(request);
    // The body must wait while identity is looked up; the body handler resumes the request.
    request.pause();
    Future<Principal> who = creds.none() ? anonymous(request, ip) : auth.authenticate(creds, ip);
    who.onFailure(e -> {
      AppException app = e instanceof AppException a ? a
          : AppException.authenticationRequired();
      if (!creds.none()) {
        ctx.audit().record(null, "auth.failed", "operation", op.id(), "denied", new JsonObject()
            .put("reason", app.getMessage()).put("credential", creds.apiKey() != null ? "api_key" : "session"), ip,
            ctx.now());
      }
      rc.fail(app);
    }).onSuccess(principal -> {
      if (creds.fromCookie() && isCrossOrigin(request) && request.method() != HttpMethod.GET) {
        rc.fail(new AppException(ErrorCode.PERMISSION_DENIED, "Cross-site requests are not allowed."));
        return;
      }
      if (!op.permissions().isEmpty() && op.permissions().stream().noneMatch(principal::can)) {
        ctx.audit().record(principal, "security.permission_denied", "operation", op.id(), "denied",
            new JsonObject().put("needs", new JsonArray(op.permissions())), ip, ctx.now());
        rc.fail(new AppException(ErrorCode.PERMISSION_DENIED, "Permission denied: this needs "
            + String.join(" or ", op.permissions()) + (principal.keyId() != null ? " (check the API key's scopes)" : "")
            + ".", new JsonObject().put("required", new JsonArray(op.permissions()))));
        return;
      }
      if (limited(rc, op, principal.userId())) {
        return;
      }
      rc.put(Principal.KEY, principal);
      if (!Contract.hasBody(request.method())) {
        request.resume();
      }
      rc.next();
    });
  }

  /** Who the request is, whatever the operation: fails with 401/403 when it is nobody. */
  public Future<Principal> identify(HttpServerRequest request) {
    Authenticator.Credentials creds = Authenticator.credentials(request);
    String ip = sourceIp(request);
    return creds.none() ? anonymous(request, ip) : auth.authenticate(creds, ip);
  }

  /** No credentials: the machine's owner in single-user mode, straight from loopback; else 401. */
  private Future<Principal> anonymous(HttpServerRequest request, String ip) {
    return auth.usersExist().map(exist -> {
      if (exist) {
        throw AppException.authenticationRequired();
      }
      if (!isDirectLoopback(request)) {
        throw new AppException(ErrorCode.AUTHENTICATION_REQUIRED, "Authentication required: requests that come "
            + "through a tunnel or proxy, or from another machine, must authenticate.");
      }
      if (!isLocalHostHeader(request.getHeader("Host"))) {
        throw new AppException(ErrorCode.PERMISSION_DENIED, "Requests must address this server as localhost.");
      }
      if (isCrossOrigin(request)) {
        throw new AppException(ErrorCode.PERMISSION_DENIED, "Cross-origin requests are not allowed.");
      }
      return Principal.localAdmin(ip);
    });
  }

  private boolean limited(RoutingContext rc, OperationTable.Operation op, String who) {
    RateLimiter limiter = op.rateLimit() == null ? null : limiters.get(op.rateLimit());
    if (limiter == null) {
      return false;
    }
    long wait = limiter.hit(op.rateLimit() + " " + who, ctx.now());
    if (wait == 0) {
      return false;
    }
    long seconds = Math.max(1, (wait + 999) / 1000);
    rc.response().putHeader("Retry-After", String.valueOf(seconds));
    ctx.audit().record(null, "security.rate_limited", "operation", op.id(), "denied",
        new JsonObject().put("class", op.rateLimit()), sourceIp(rc.request()), ctx.now());
    rc.fail(new AppException(ErrorCode.RATE_LIMITED, "Too many requests; try again in " + seconds + " s.",
        new JsonObject().put("retry_after_seconds", seconds)));
    return true;
  }

  /** The peer's address (forwarding headers are never believed, so no need to parse them). */
  public static String sourceIp(HttpServerRequest request) {
    SocketAddress peer = peer(request);
    return peer == null ? null : peer.hostAddress();
  }

  public static boolean isDirectLoopback(HttpServerRequest request) {
    for (Map.Entry<String, String> header : request.headers()) {
      if (FORWARDING_HEADERS.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        return false;
      }
    }
    SocketAddress peer = peer(request);
    return peer != null && isLoopback(peer.hostAddress());
  }

  private static SocketAddress peer(HttpServerRequest request) {
    return request.connection() != null ? request.connection().remoteAddress() : request.remoteAddress();
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

  static boolean isCrossOrigin(HttpServerRequest request) {
    String origin = request.getHeader("Origin");
    if (origin == null || origin.equals("null") && request.method() == HttpMethod.GET) {
      return false;
    }
    String host = request.getHeader("Host");
    return host == null || !(origin.equalsIgnoreCase("http://" + host) || origin.equalsIgnoreCase("https://" + host));
  }

  public static Principal principal(RoutingContext rc) {
    Principal p = rc.get(Principal.KEY);
    if (p == null) {
      throw AppException.authenticationRequired();
    }
    return p;
  }
}

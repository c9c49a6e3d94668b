package dev.simpletuner.cloud.spi.net;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.ProxyOptions;
import java.net.ConnectException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Says in words why an outbound call got no answer, in terms of the settings an operator can
 * change: a TLS certificate not trusted ({@code ssl_ca_bundle}), no answer in time
 * ({@code http_timeout}), a proxy that could not be reached or refused the destination
 * ({@code proxy_url}). The proxy is named by host and port only, never with its credentials.
 */
public final class CallFailures {
  private CallFailures() {
  }

  /**
   * @param failure       what the client failed with
   * @param used          the options the client was built from
   * @param host          the destination's host name
   * @param timeoutMillis the request timeout the call had
   */
  public static String describe(Throwable failure, HttpClientOptions used, String host, long timeoutMillis) {
    String proxy = proxy(used, host);
    String via = proxy == null ? "" : " through the proxy " + proxy;
    SSLException tls = find(failure, SSLException.class);
    if (tls != null) {
      return "TLS with " + host + via + " failed: " + tlsWords(tls);
    }
    // Netty's proxy handlers fail with a ProxyConnectException (a ConnectException); matched by name, not to tie the SPI to Netty.
    Throwable refusedByProxy = findByName(failure, "ProxyConnectException");
    if (proxy != null && refusedByProxy != null) {
      return "the proxy " + proxy + " did not open a connection to " + host + ": " + refusedByProxy.getMessage();
    }
    if (find(failure, TimeoutException.class) != null || findByName(failure, "ConnectTimeoutException") != null) {
      return "no answer from " + host + via + " within " + seconds(timeoutMillis) + " (http_timeout)";
    }
    ConnectException connect = find(failure, ConnectException.class);
    if (connect != null) {
      return proxy != null ? "could not connect to the proxy " + proxy + ": " + connect.getMessage()
          : "could not connect to " + host + ": " + connect.getMessage();
    }
    String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
    return message + via;
  }

  /** The host of {@code url}, for {@link #describe}; the URL itself when it has none that Java can read. */
  public static String host(String url) {
    try {
      String host = java.net.URI.create(url).getHost();
      return host != null ? host : url;
    } catch (IllegalArgumentException e) {
      return url;
    }
  }

  /** The proxy calls to {@code host} go through, as {@code http://host:port}; null when they go direct. */
  public static String proxy(HttpClientOptions used, String host) {
    ProxyOptions proxy = used.getProxyOptions();
    if (proxy == null || host == null) {
      return null;
    }
    String lower = host.toLowerCase(Locale.ROOT);
    for (String exempt : used.getNonProxyHosts() == null ? java.util.List.<String>of() : used.getNonProxyHosts()) {
      String pattern = exempt.toLowerCase(Locale.ROOT);
      if (pattern.equals(lower) || pattern.startsWith("*") && lower.endsWith(pattern.substring(1))) {
        return null;
      }
    }
    return proxy.getType().name().toLowerCase(Locale.ROOT) + "://" + proxy.getHost() + ":" + proxy.getPort();
  }

  /** Vert.x wraps the JDK's reason ("Failed to create SSL connection"): the words come from the causes beneath. */
  private static String tlsWords(SSLException tls) {
    String deepest = String.valueOf(tls.getMessage());
    StringBuilder all = new StringBuilder();
    for (Throwable t = tls; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null) {
        all.append(t.getMessage()).append('\n');
        deepest = t.getMessage();
      }
    }
    String messages = all.toString();
    if (messages.contains("PKIX") || messages.contains("unable to find valid certification path")) {
      return "its certificate is not signed by a trusted CA (for a private CA, set ssl_ca_bundle to the CA's PEM file)";
    }
    if (messages.contains("No subject alternative") || messages.contains("No name matching")) {
      return "its certificate is not for this host name (" + deepest + ")";
    }
    return deepest;
  }

  private static String seconds(long millis) {
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis / 1000.0 + " s";
  }

  private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static Throwable findByName(Throwable failure, String simpleName) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
        if (c.getSimpleName().equals(simpleName)) {
          return t;
        }
      }
    }
    return null;
  }
}

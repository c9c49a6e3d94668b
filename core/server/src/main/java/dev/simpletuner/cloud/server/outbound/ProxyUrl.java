package dev.simpletuner.cloud.server.outbound;

import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A forward proxy for outbound calls, written as a URL: {@code http://[user:password@]host:port}
 * or {@code socks5://...}. The password is a secret: {@link #toString()} and {@link #masked()}
 * never show it.
 *
 * <p>{@code https://} (TLS to the proxy itself) is refused rather than quietly spoken in clear:
 * Vert.x's proxy support connects to the proxy without TLS, and a user who wrote https would have
 * their proxy credentials and destinations sent unencrypted. The destination's own TLS is kept
 * either way (an HTTP proxy tunnels it with CONNECT).
 */
public record ProxyUrl(ProxyType type, String scheme, String host, int port, String user, String password) {

  /** The URL as written, checked; the message of a refusal says what is expected (never the password). */
  public static ProxyUrl parse(String text) {
    String s = text.strip();
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URL; expected http://host:port or socks5://host:port");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    ProxyType type = switch (scheme) {
      case "http" -> ProxyType.HTTP;
      case "socks5", "socks5h" -> ProxyType.SOCKS5;
      case "https" -> throw new IllegalArgumentException("https:// (TLS to the proxy) is not supported: use "
          + "http://host:port; calls to https destinations stay encrypted through the proxy");
      default -> throw new IllegalArgumentException("the scheme must be http or socks5, as in http://host:port");
    };
    if (uri.getHost() == null || uri.getPort() < 1) {
      throw new IllegalArgumentException("a proxy URL needs a host and a port, as in " + scheme + "://proxy:3128");
    }
    if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !"/".equals(uri.getRawPath())
        || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("a proxy URL has no path or query, only " + scheme + "://host:port");
    }
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : null;
    }
    return new ProxyUrl(type, scheme, uri.getHost(), uri.getPort(), user, password);
  }

  private static String decode(String part) {
    return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  public boolean hasPassword() {
    return password != null && !password.isEmpty();
  }

  /** The URL with its password replaced by {@code ****}: what the API shows. */
  public String masked() {
    String who = user == null ? "" : user + (hasPassword() ? ":****" : "") + "@";
    return scheme + "://" + who + host + ":" + port;
  }

  public ProxyOptions options() {
    ProxyOptions options = new ProxyOptions().setType(type).setHost(host).setPort(port);
    if (user != null) {
      options.setUsername(user).setPassword(password == null ? "" : password);
    }
    return options;
  }

  /** Where the proxy is, without credentials: what messages and logs name. */
  @Override
  public String toString() {
    return scheme + "://" + host + ":" + port;
  }
}

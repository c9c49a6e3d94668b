package dev.simpletuner.cloud.server.outbound;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one provider's outbound calls are made, as the reference's provider settings name it
 * (OPERATIONS_TUTORIAL.md "Proxy Configuration"; research/simpletuner-cloud.md 1.3): {@code ssl_verify}
 * (default true), {@code ssl_ca_bundle}, {@code proxy_url}, {@code http_timeout} (seconds, default 30).
 * A value saved for the provider wins; the environment's ({@link NetworkDefaults}) fills the rest.
 * The plugin gets them as Vert.x client options ({@link #clientOptions()}); so do the server's own
 * calls made for the provider (its status page).
 *
 * @param sources where each value came from: saved, env or default
 */
public record NetworkSettings(boolean sslVerify, String caBundle, ProxyUrl proxy, List<String> noProxy,
                              double timeoutSeconds, Map<String, String> sources) {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkSettings.class);
  public static final String SSL_VERIFY = "ssl_verify";
  public static final String SSL_CA_BUNDLE = "ssl_ca_bundle";
  public static final String PROXY_URL = "proxy_url";
  public static final String HTTP_TIMEOUT = "http_timeout";
  /** The Replicate plugin's own timeout before there was one for every provider; still read, and taken as an alias. */
  public static final String LEGACY_TIMEOUT = "request_timeout_seconds";
  public static final List<String> KEYS = List.of(SSL_VERIFY, SSL_CA_BUNDLE, PROXY_URL, HTTP_TIMEOUT);
  public static final double DEFAULT_TIMEOUT_SECONDS = 30;
  private static final double MAX_TIMEOUT_SECONDS = 3600;

  /** The settings in effect for a provider with these saved values (secrets opened). */
  public static NetworkSettings of(Map<String, String> saved, NetworkDefaults env) {
    Map<String, String> sources = new LinkedHashMap<>();
    boolean verify = pick(sources, SSL_VERIFY, saved.get(SSL_VERIFY) == null ? null
        : Boolean.valueOf(saved.get(SSL_VERIFY)), env.sslVerify(), true);
    String bundle = pick(sources, SSL_CA_BUNDLE, saved.get(SSL_CA_BUNDLE), env.caBundle(), null);
    ProxyUrl savedProxy = savedProxy(saved.get(PROXY_URL));
    ProxyUrl proxy = pick(sources, PROXY_URL, savedProxy, env.proxy(), null);
    String savedTimeout = saved.get(HTTP_TIMEOUT) != null ? saved.get(HTTP_TIMEOUT) : saved.get(LEGACY_TIMEOUT);
    double timeout = pick(sources, HTTP_TIMEOUT, savedTimeout(savedTimeout), env.timeoutSeconds(),
        DEFAULT_TIMEOUT_SECONDS);
    // NO_PROXY belongs to the environment's proxy, as it does for curl and httpx; a saved proxy is meant for every host.
    List<String> noProxy = savedProxy == null && proxy != null ? env.noProxy() : List.of();
    return new NetworkSettings(verify, bundle, proxy, noProxy, timeout, Map.copyOf(sources));
  }

  private static <T> T pick(Map<String, String> sources, String key, T saved, T env, T fallback) {
    sources.put(key, saved != null ? "saved" : env != null ? "env" : "default");
    return saved != null ? saved : env != null ? env : fallback;
  }

  private static ProxyUrl savedProxy(String stored) {
    try {
      return stored == null ? null : ProxyUrl.parse(stored);
    } catch (IllegalArgumentException e) {
      LOG.error("Ignoring the saved proxy_url: {}. Save it again.", e.getMessage());
      return null;
    }
  }

  private static Double savedTimeout(String stored) {
    try {
      return stored == null ? null : timeoutSeconds(stored);
    } catch (IllegalArgumentException e) {
      return null; // an old request_timeout_seconds of 0: the default holds
    }
  }

  /** Seconds above 0, at most an hour. */
  public static double timeoutSeconds(Object value) {
    double seconds;
    try {
      seconds = value instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(value).strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a number of seconds");
    }
    if (!(seconds > 0) || seconds > MAX_TIMEOUT_SECONDS) {
      throw new IllegalArgumentException("expected seconds above 0 and at most " + (int) MAX_TIMEOUT_SECONDS);
    }
    return seconds;
  }

  public long timeoutMillis() {
    return Math.max(1, Math.round(timeoutSeconds * 1000));
  }

  /** Fresh Vert.x client options for these settings, for the caller to add its own to. */
  public HttpClientOptions clientOptions() {
    int millis = (int) Math.min(Integer.MAX_VALUE, timeoutMillis());
    HttpClientOptions options = new HttpClientOptions().setConnectTimeout(millis)
        // A connection silent for twice what a request may wait is dead: close it rather than reuse it.
        // Twice, so that a request waiting on it fails by its own timeout first, in the words that say so.
        .setIdleTimeout((int) Math.ceil(2 * timeoutSeconds));
    if (!sslVerify) {
      options.setTrustAll(true).setVerifyHost(false);
    } else if (caBundle != null) {
      // The bundle replaces the JDK's CAs, as a CA bundle does for curl and httpx. Vert.x reads it on a worker.
      options.setTrustOptions(new PemTrustOptions().addCertPath(caBundle));
    }
    if (proxy != null) {
      options.setProxyOptions(proxy.options()).setNonProxyHosts(noProxy);
    }
    return options;
  }

  /** The reference's names and JSON types, the proxy's password masked. */
  public JsonObject shown() {
    return new JsonObject().put(SSL_VERIFY, sslVerify).put(SSL_CA_BUNDLE, caBundle)
        .put(PROXY_URL, proxy == null ? null : proxy.masked()).put(HTTP_TIMEOUT, shownSeconds(timeoutSeconds));
  }

  /** Whole seconds as an integer (45, not 45.0), as they were most likely written. */
  public static Number shownSeconds(double seconds) {
    return seconds == Math.rint(seconds) ? (Number) (long) seconds : (Number) seconds;
  }
}

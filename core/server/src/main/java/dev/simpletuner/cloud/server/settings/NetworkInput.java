package dev.simpletuner.cloud.server.settings;

import static dev.simpletuner.cloud.server.outbound.NetworkSettings.HTTP_TIMEOUT;
import static dev.simpletuner.cloud.server.outbound.NetworkSettings.PROXY_URL;
import static dev.simpletuner.cloud.server.outbound.NetworkSettings.SSL_CA_BUNDLE;
import static dev.simpletuner.cloud.server.outbound.NetworkSettings.SSL_VERIFY;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.outbound.NetworkSettings;
import dev.simpletuner.cloud.server.outbound.ProxyUrl;
import dev.simpletuner.cloud.server.plugin.SettingValues;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

/**
 * Checks a change of a provider's network settings before anything is stored, with the
 * reference's rules (research/simpletuner-cloud.md 1.3, {@code PUT .../config}): {@code ssl_ca_bundle}
 * must be an existing file and is stored resolved; {@code http_timeout} of 0 or less removes it.
 * Beyond the reference: the bundle must hold certificates, and a proxy URL must be usable.
 */
final class NetworkInput {
  private static final long MAX_BUNDLE_BYTES = 16L * 1024 * 1024;

  private NetworkInput() {
  }

  /** The value to store for ssl_verify, proxy_url or http_timeout; null removes it. */
  static String value(String key, Object value) {
    if (value == null || value instanceof String s && s.isBlank()) {
      return null;
    }
    return switch (key) {
      case SSL_VERIFY -> DeclaredSettings.checked(key, () -> SettingValues.bool(value));
      case PROXY_URL -> proxy(value);
      case HTTP_TIMEOUT, NetworkSettings.LEGACY_TIMEOUT -> timeout(key, value);
      default -> throw new IllegalStateException(key);
    };
  }

  private static String proxy(Object value) {
    if (!(value instanceof String text)) {
      throw AppException.invalid(PROXY_URL, "proxy_url must be a string such as \"http://proxy:3128\".");
    }
    try {
      ProxyUrl.parse(text);
    } catch (IllegalArgumentException e) {
      // The refusal never repeats the value: it may hold the proxy's password.
      throw AppException.invalid(PROXY_URL, "proxy_url: " + e.getMessage() + ".");
    }
    return text.strip();
  }

  private static String timeout(String key, Object value) {
    double seconds;
    try {
      seconds = value instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(value).strip());
    } catch (NumberFormatException e) {
      throw AppException.invalid(key, key + ": expected a number of seconds.");
    }
    if (seconds <= 0) {
      return null; // the reference's rule: 0 or less removes it
    }
    try {
      return String.valueOf(NetworkSettings.shownSeconds(NetworkSettings.timeoutSeconds(seconds)));
    } catch (IllegalArgumentException e) {
      throw AppException.invalid(key, key + ": " + e.getMessage() + ".");
    }
  }

  /**
   * The CA bundle's real path, once it is known to be a readable file of certificates (read on a
   * worker: it is the user's file, of any size up to a limit).
   */
  static Future<String> caBundle(Vertx vertx, Object value) {
    if (value == null || value instanceof String s && s.isBlank()) {
      return Future.succeededFuture(null);
    }
    if (!(value instanceof String text)) {
      return Future.failedFuture(AppException.invalid(SSL_CA_BUNDLE,
          "ssl_ca_bundle must be the path of a PEM file, such as \"/etc/ssl/certs/corporate-ca.pem\"."));
    }
    String written = text.strip().startsWith("~/") ? System.getProperty("user.home") + text.strip().substring(1)
        : text.strip();
    Path path;
    try {
      path = Path.of(written).toAbsolutePath();
    } catch (InvalidPathException e) {
      return Future.failedFuture(AppException.invalid(SSL_CA_BUNDLE, "ssl_ca_bundle: not a path on this server."));
    }
    return vertx.executeBlocking(() -> {
      if (!Files.isRegularFile(path)) {
        throw AppException.invalid(SSL_CA_BUNDLE, "ssl_ca_bundle: " + path + " is not a file on this server.");
      }
      byte[] pem;
      Path real;
      try {
        real = path.toRealPath();
        if (Files.size(real) > MAX_BUNDLE_BYTES) {
          throw AppException.invalid(SSL_CA_BUNDLE, "ssl_ca_bundle: " + real + " is larger than a CA bundle can be.");
        }
        pem = Files.readAllBytes(real);
      } catch (IOException e) {
        throw AppException.invalid(SSL_CA_BUNDLE, "ssl_ca_bundle: " + path + " cannot be read by the server ("
            + e.getClass().getSimpleName() + ").");
      }
      try {
        if (CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem)).isEmpty()) {
          throw new CertificateException("no certificate");
        }
      } catch (CertificateException e) {
        throw AppException.invalid(SSL_CA_BUNDLE, "ssl_ca_bundle: " + real
            + " holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----).");
      }
      return real.toString();
    }, false);
  }
}

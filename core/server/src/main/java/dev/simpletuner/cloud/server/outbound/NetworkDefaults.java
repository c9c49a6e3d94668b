package dev.simpletuner.cloud.server.outbound;

import dev.simpletuner.cloud.server.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The environment's network settings, beneath what is saved for each provider: the variables the
 * reference documents (OPERATIONS_TUTORIAL.md, "Proxy Configuration"). Read once at start-up.
 *
 * <p>Ours ({@code SIMPLETUNER_CA_BUNDLE}, {@code SIMPLETUNER_SSL_VERIFY}, {@code SIMPLETUNER_HTTP_TIMEOUT})
 * stop the server when they are wrong, naming the variable. The proxy variables are shared with
 * every other program on the machine, so a value we cannot use is logged and left out instead.
 *
 * @param proxyVariable the variable the proxy came from (HTTPS_PROXY, HTTP_PROXY or a lower-case one)
 * @param noProxy       NO_PROXY as Vert.x host patterns; they exempt hosts from this proxy only
 */
public record NetworkDefaults(Boolean sslVerify, String caBundle, ProxyUrl proxy, String proxyVariable,
                              List<String> noProxy, Double timeoutSeconds) {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkDefaults.class);
  public static final NetworkDefaults NONE = new NetworkDefaults(null, null, null, null, List.of(), null);
  // One proxy serves every provider call: provider APIs are https, so HTTPS_PROXY comes first.
  private static final List<String> PROXY_VARIABLES = List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy");

  public static NetworkDefaults fromEnv(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    Boolean verify = null;
    String verifyText = blankToNull(env.get("SIMPLETUNER_SSL_VERIFY"));
    if (verifyText != null) {
      switch (verifyText.toLowerCase(Locale.ROOT)) {
        case "true", "1", "yes" -> verify = true;
        case "false", "0", "no" -> {
          verify = false;
          LOG.warn("SIMPLETUNER_SSL_VERIFY=false: provider calls accept any TLS certificate (anyone on the path can "
              + "read and change them). Use SIMPLETUNER_CA_BUNDLE for a private CA instead.");
        }
        default -> problems.add("SIMPLETUNER_SSL_VERIFY: expected true or false, got \"" + verifyText + "\"");
      }
    }
    String bundle = blankToNull(env.get("SIMPLETUNER_CA_BUNDLE"));
    if (bundle != null) {
      Path path = Path.of(bundle).toAbsolutePath().normalize();
      if (!Files.isRegularFile(path)) {
        problems.add("SIMPLETUNER_CA_BUNDLE: " + path + " is not a file (expected a PEM file of CA certificates)");
      }
      bundle = path.toString();
    }
    Double timeout = null;
    String timeoutText = blankToNull(env.get("SIMPLETUNER_HTTP_TIMEOUT"));
    if (timeoutText != null) {
      try {
        timeout = NetworkSettings.timeoutSeconds(timeoutText);
      } catch (IllegalArgumentException e) {
        problems.add("SIMPLETUNER_HTTP_TIMEOUT: " + e.getMessage() + ", got \"" + timeoutText + "\"");
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join("\n", problems));
    }
    ProxyUrl proxy = null;
    String from = null;
    for (String variable : PROXY_VARIABLES) {
      String value = blankToNull(env.get(variable));
      if (value != null) {
        try {
          proxy = ProxyUrl.parse(value);
          from = variable;
        } catch (IllegalArgumentException e) {
          LOG.warn("{} is not used for provider calls: {}.", variable, e.getMessage());
        }
        break;
      }
    }
    String noProxy = blankToNull(env.getOrDefault("NO_PROXY", env.get("no_proxy")));
    if (proxy != null && noProxy != null && noProxy.equals("*")) {
      proxy = null; // NO_PROXY=* means no host goes through the proxy
    }
    return new NetworkDefaults(verify, bundle, proxy, from, proxy == null ? List.of() : hostPatterns(noProxy), timeout);
  }

  /** NO_PROXY entries ({@code example.com}, {@code .example.com}, {@code host:port}) as Vert.x patterns. */
  static List<String> hostPatterns(String noProxy) {
    List<String> patterns = new ArrayList<>();
    if (noProxy == null) {
      return patterns;
    }
    for (String raw : noProxy.split(",")) {
      String entry = raw.strip().toLowerCase(Locale.ROOT);
      if (entry.matches(".*[^:\\]]:\\d+")) {
        entry = entry.substring(0, entry.lastIndexOf(':')); // a port is not matched by Vert.x: the host is
      }
      entry = entry.startsWith("*.") ? entry.substring(1) : entry;
      if (entry.isEmpty() || entry.equals(".")) {
        continue;
      }
      if (entry.startsWith(".")) {
        patterns.add("*" + entry);
      } else {
        patterns.add(entry);
        if (entry.matches(".*[a-z].*") && !entry.contains(":")) {
          patterns.add("*." + entry); // as curl reads a name: the domain and every name under it
        }
      }
    }
    return patterns;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}

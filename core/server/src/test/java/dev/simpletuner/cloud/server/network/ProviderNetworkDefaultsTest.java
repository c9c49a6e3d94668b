package dev.simpletuner.cloud.server.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simpletuner.cloud.server.config.ConfigException;
import dev.simpletuner.cloud.server.outbound.NetworkDefaults;
import dev.simpletuner.cloud.server.outbound.NetworkSettings;
import io.vertx.core.http.HttpClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The environment's network variables (the reference's HTTPS_PROXY, SIMPLETUNER_CA_BUNDLE,
 * SIMPLETUNER_SSL_VERIFY, SIMPLETUNER_HTTP_TIMEOUT, plus NO_PROXY) and how saved values sit over them.
 */
class ProviderNetworkDefaultsTest {
  @TempDir
  Path dir;

  @Test
  void ourOwnVariablesStopTheServerWhenWrongNamingThem() {
    assertThatThrownBy(() -> NetworkDefaults.fromEnv(Map.of("SIMPLETUNER_SSL_VERIFY", "maybe")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("SIMPLETUNER_SSL_VERIFY");
    assertThatThrownBy(() -> NetworkDefaults.fromEnv(Map.of("SIMPLETUNER_CA_BUNDLE", dir.resolve("no.pem").toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("SIMPLETUNER_CA_BUNDLE").hasMessageContaining("no.pem");
    assertThatThrownBy(() -> NetworkDefaults.fromEnv(Map.of("SIMPLETUNER_HTTP_TIMEOUT", "0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("SIMPLETUNER_HTTP_TIMEOUT");
  }

  @Test
  void sharedProxyVariablesThatCannotBeUsedAreLeftOut() {
    assertThat(NetworkDefaults.fromEnv(Map.of("HTTPS_PROXY", "https://proxy:443")).proxy()).isNull();
    NetworkDefaults http = NetworkDefaults.fromEnv(Map.of("http_proxy", "http://proxy:3128"));
    assertThat(http.proxy()).hasToString("http://proxy:3128");
    assertThat(http.proxyVariable()).isEqualTo("http_proxy");
    assertThat(NetworkDefaults.fromEnv(Map.of("HTTPS_PROXY", "http://a:1", "HTTP_PROXY", "http://b:2")).proxy())
        .hasToString("http://a:1");
  }

  @Test
  void noProxyExemptsHostsFromTheEnvironmentsProxyOnly() {
    NetworkDefaults env = NetworkDefaults.fromEnv(Map.of("HTTPS_PROXY", "http://proxy:3128",
        "NO_PROXY", "internal.example, .corp.example,10.0.0.1:8443, *.lab.example"));
    HttpClientOptions viaEnv = NetworkSettings.of(Map.of(), env).clientOptions();
    assertThat(viaEnv.getProxyOptions().getHost()).isEqualTo("proxy");
    assertThat(viaEnv.getNonProxyHosts()).containsExactly("internal.example", "*.internal.example", "*.corp.example",
        "10.0.0.1", "*.lab.example");
    HttpClientOptions saved = NetworkSettings.of(Map.of("proxy_url", "socks5://other:1080"), env).clientOptions();
    assertThat(saved.getProxyOptions().getHost()).isEqualTo("other");
    assertThat(saved.getNonProxyHosts()).isEmpty();
    assertThat(NetworkDefaults.fromEnv(Map.of("HTTPS_PROXY", "http://proxy:3128", "NO_PROXY", "*")).proxy()).isNull();
  }

  @Test
  void savedValuesWinOverTheEnvironmentAndTheOldTimeoutNameIsStillRead() throws Exception {
    Path bundle = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    NetworkDefaults env = NetworkDefaults.fromEnv(Map.of("SIMPLETUNER_HTTP_TIMEOUT", "60",
        "SIMPLETUNER_SSL_VERIFY", "false", "SIMPLETUNER_CA_BUNDLE", bundle.toString()));
    NetworkSettings fromEnv = NetworkSettings.of(Map.of(), env);
    assertThat(fromEnv.timeoutMillis()).isEqualTo(60_000);
    assertThat(fromEnv.sslVerify()).isFalse();
    assertThat(fromEnv.clientOptions().isTrustAll()).isTrue();
    assertThat(fromEnv.sources()).containsEntry("http_timeout", "env").containsEntry("ssl_verify", "env");

    NetworkSettings saved = NetworkSettings.of(Map.of("ssl_verify", "true", "request_timeout_seconds", "7"), env);
    assertThat(saved.timeoutMillis()).isEqualTo(7_000);
    assertThat(saved.sslVerify()).isTrue();
    assertThat(saved.clientOptions().isTrustAll()).isFalse();
    assertThat(saved.clientOptions().isVerifyHost()).isTrue();
    assertThat(saved.clientOptions().getConnectTimeout()).isEqualTo(7_000);
    assertThat(NetworkSettings.of(Map.of("http_timeout", "3", "request_timeout_seconds", "7"), env).timeoutMillis())
        .isEqualTo(3_000);
    assertThat(NetworkSettings.of(Map.of(), NetworkDefaults.NONE).timeoutMillis()).isEqualTo(30_000);
  }
}

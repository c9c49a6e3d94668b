package dev.simpletuner.cloud.server.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.simpletuner.cloud.server.Server;
import dev.simpletuner.cloud.server.config.ConfigException;
import dev.simpletuner.cloud.server.config.ConfigLoader;
import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugin settings from the config file and the environment are checked against the declared specs
 * when the server starts: a value of the wrong type stops it with the key in the message, instead
 * of failing every time the plugin reads it (a queue that never moves).
 */
class SettingLayersStartupTest {

  @Test
  void aFileValueOfTheWrongTypeStopsTheStartNamingTheKey(@TempDir Path state) throws Exception {
    Throwable failure = startFailure(state, "providers:\n  local:\n    max_concurrent: two\n", Map.of());
    assertThat(failure).isInstanceOf(ConfigException.class)
        .hasMessageContaining("providers.local.max_concurrent: expected an integer, got \"two\"");
  }

  @Test
  void anUnknownFileKeyStopsTheStartListingTheKnownOnes(@TempDir Path state) throws Exception {
    Throwable failure = startFailure(state, "delivery:\n  s3:\n    bucket_name: models\n", Map.of());
    assertThat(failure).isInstanceOf(ConfigException.class)
        .hasMessageContaining("delivery.s3.bucket_name: not a setting here").hasMessageContaining("bucket");
  }

  @Test
  void anEnvironmentValueOfTheWrongTypeNamesTheVariable(@TempDir Path state) throws Exception {
    Throwable failure = startFailure(state, null, Map.of("HF_ENDPOINT", "hub.internal"));
    assertThat(failure).isInstanceOf(ConfigException.class)
        .hasMessageContaining("HF_ENDPOINT (delivery.huggingface.endpoint): expected a URL")
        .hasMessageContaining("got \"hub.internal\"");
  }

  @Test
  void theApiNamesTheKeyOfABadWriteAndNeverRepeatsASecret() {
    try (TestServer server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_LOCAL_COMMAND", "true"))) {
      var answer = server.api().put("/api/cloud/providers/local", new JsonObject().put("max_concurrent", "two"));
      assertThat(answer.status()).isEqualTo(400);
      assertThat(answer.json().getString("error")).isEqualTo("max_concurrent: expected an integer, got \"two\".");
      assertThat(answer.json().getJsonObject("details").getString("field")).isEqualTo("max_concurrent");

      var secret = server.api().put("/api/cloud/providers/replicate", new JsonObject().put("api_token", 987654321));
      assertThat(secret.status()).isEqualTo(400);
      assertThat(secret.json().getString("error")).isEqualTo("api_token: expected a string.");
    }
  }

  /** Starts a server on {@code state} with the config file text; returns why it did not start. */
  private static Throwable startFailure(Path state, String configFile, Map<String, String> extraEnv) throws Exception {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("SIMPLETUNER_STATE_DIR", state.toString());
    env.put("SIMPLETUNER_PORT", "0");
    env.put("SIMPLETUNER_PLUGINS_DIR", state.resolve("no-plugins").toString());
    if (configFile != null) {
      Path file = Files.writeString(state.resolve("config.yaml"), configFile);
      env.put("SIMPLETUNER_CONFIG", file.toString());
    }
    ServerConfig config = new ConfigLoader(env, System.getProperty("user.home")).load(List.of());
    Throwable failure = catchThrowable(() -> Server.start(config, env).await());
    assertThat(failure).as("the server must not start").isNotNull();
    for (Throwable e = failure; e != null; e = e.getCause()) {
      if (e instanceof ConfigException) {
        return e;
      }
    }
    return failure;
  }
}

package dev.simpletuner.cloud.server.settings;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.plugin.SettingValues;
import dev.simpletuner.cloud.server.secret.SecretBox;
import dev.simpletuner.cloud.spi.SettingSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings a plugin declared (a provider's or a delivery target's): checking a change before
 * it is stored (secrets sealed for their scope) and showing them with secrets masked.
 */
final class DeclaredSettings {
  private DeclaredSettings() {
  }

  /**
   * The value to store for {@code key}: checked against its spec, sealed when secret, null to clear.
   *
   * @param owner words naming the plugin in messages, e.g. "provider replicate"
   */
  static String check(SecretBox secrets, String scope, List<SettingSpec> specs, String owner, String key,
                      Object value) {
    SettingSpec spec = specs.stream().filter(s -> s.name().equals(key)).findFirst()
        .orElseThrow(() -> AppException.invalid(key, "Unknown setting '" + key + "' for " + owner + "."));
    if (!spec.apiWritable()) {
      throw AppException.invalid(key, "Setting '" + key + "' can only be changed in the config file or with "
          + (spec.env() != null ? "the environment variable " + spec.env() : "the server's configuration") + ".");
    }
    String checked = checked(key, () -> SettingValues.check(spec, value));
    return spec.secret() && checked != null ? secrets.seal(scope + "/" + key, checked) : checked;
  }

  /** Runs a check of a request field; a refusal names the field, e.g. {@code max_concurrent: expected an integer}. */
  static String checked(String key, java.util.function.Supplier<String> check) {
    try {
      return check.get();
    } catch (SettingValues.Invalid e) {
      throw AppException.invalid(key, key + ": " + e.getMessage() + ".");
    }
  }

  /** Effective values with secrets masked. */
  static JsonObject values(List<SettingSpec> specs, Map<String, String> effective) {
    JsonObject values = new JsonObject();
    for (SettingSpec spec : specs) {
      String value = effective.get(spec.name());
      values.put(spec.name(), spec.secret() ? SettingValues.mask(value) : value);
    }
    return values;
  }

  static JsonArray specs(List<SettingSpec> specs) {
    JsonArray out = new JsonArray();
    for (SettingSpec spec : specs) {
      out.add(new JsonObject().put("name", spec.name()).put("type", spec.type().name().toLowerCase(Locale.ROOT))
          .put("default", spec.secret() ? null : spec.defaultValue()).put("required", spec.required())
          .put("secret", spec.secret()).put("env", spec.env()).put("api_writable", spec.apiWritable())
          .put("description", spec.description()).put("choices", spec.choices().isEmpty() ? null
              : new JsonArray(spec.choices())));
    }
    return out;
  }

  /** Whether every required setting has a value. */
  static boolean configured(List<SettingSpec> specs, Map<String, String> effective) {
    return specs.stream().filter(SettingSpec::required)
        .allMatch(s -> effective.get(s.name()) != null && !effective.get(s.name()).isBlank());
  }
}

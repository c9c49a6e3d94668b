package dev.simpletuner.cloud.server.settings;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.access.IpAllowlist;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.outbound.NetworkSettings;
import dev.simpletuner.cloud.server.outbound.ProxyUrl;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.plugin.Providers;
import dev.simpletuner.cloud.server.plugin.SettingValues;
import dev.simpletuner.cloud.spi.HardwareOffer;
import dev.simpletuner.cloud.spi.SettingSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provider settings as the API shows and changes them: the server's own per-provider settings
 * (public URL, default hardware, price table, cost limit, webhook sources, network) plus whatever
 * the plugin declared. Values are checked before anything is stored; secrets are never shown.
 */
public final class ProviderSettings {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderSettings.class);
  public static final String WEBHOOK_URL = "webhook_url";
  public static final String HARDWARE_PROFILE = "hardware_profile";
  public static final String HARDWARE_INFO = "hardware_info";
  public static final String COST_LIMIT_ENABLED = "cost_limit_enabled";
  public static final String COST_LIMIT_AMOUNT = "cost_limit_amount";
  public static final String COST_LIMIT_PERIOD = "cost_limit_period";
  public static final String COST_LIMIT_ACTION = "cost_limit_action";
  public static final String WEBHOOK_ALLOWED_IPS = "webhook_allowed_ips";
  public static final String WEBHOOK_REQUIRE_SIGNATURE = "webhook_require_signature";
  private static final Set<String> HOST_KEYS = Set.of(WEBHOOK_URL, HARDWARE_PROFILE, HARDWARE_INFO, COST_LIMIT_ENABLED,
      COST_LIMIT_AMOUNT, COST_LIMIT_PERIOD, COST_LIMIT_ACTION, WEBHOOK_ALLOWED_IPS, WEBHOOK_REQUIRE_SIGNATURE);

  private final Vertx vertx;
  private final ServerContext ctx;

  public ProviderSettings(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
  }

  public ProviderHandle handle(String providerId) {
    return ctx.providers().get(providerId).orElseThrow(() -> new AppException(ErrorCode.NOT_FOUND,
        "Unknown provider '" + providerId + "'. Available: " + String.join(", ", ctx.providers().ids()) + ".",
        new JsonObject().put("field", "provider")));
  }

  /** The server's own settings of a provider (saved values only). */
  public Future<Map<String, String>> saved(String providerId) {
    return ctx.store().settings().get(Providers.settingsScope(providerId))
        .map(stored -> Providers.openSecrets(ctx.secrets(), Providers.settingsScope(providerId), stored));
  }

  /** Validates and stores a change; returns the provider as the API shows it afterwards. */
  public Future<JsonObject> update(String providerId, JsonObject body) {
    ProviderHandle handle = handle(providerId);
    return changes(handle, body).compose(changes -> store(handle, changes)).map(saved -> render(handle, saved));
  }

  /** The reference's {@code /advanced} view: the network settings and the webhook sources. */
  public JsonObject advanced(ProviderHandle handle) {
    JsonArray ips = handle.saved().get(WEBHOOK_ALLOWED_IPS) == null ? new JsonArray()
        : new JsonArray(handle.saved().get(WEBHOOK_ALLOWED_IPS));
    return handle.network().shown().put("webhook_ip_allowlist_enabled", !ips.isEmpty()).put(WEBHOOK_ALLOWED_IPS, ips);
  }

  /** {@code PATCH .../advanced}: the derived {@code webhook_ip_allowlist_enabled} is ignored, as the reference does. */
  public Future<JsonObject> updateAdvanced(String providerId, JsonObject body) {
    ProviderHandle handle = handle(providerId);
    JsonObject changes = body.copy();
    changes.remove("webhook_ip_allowlist_enabled");
    return changes(handle, changes).compose(checked -> store(handle, checked)).map(saved -> advanced(handle));
  }

  /** Every value of the body checked, as it will be stored (null removes); nothing is stored yet. */
  private Future<Map<String, String>> changes(ProviderHandle handle, JsonObject body) {
    String scope = Providers.settingsScope(handle.id());
    Map<String, String> changes = new LinkedHashMap<>();
    Future<String> bundle = null;
    try {
      for (Map.Entry<String, Object> entry : body) {
        String key = entry.getKey();
        Object value = entry.getValue();
        if (HOST_KEYS.contains(key)) {
          changes.put(key, hostValue(handle, key, value));
        } else if (NetworkSettings.SSL_CA_BUNDLE.equals(key)) {
          bundle = NetworkInput.caBundle(vertx, value);
        } else if (isNetworkKey(handle, key)) {
          String checked = NetworkInput.value(key, value);
          if (NetworkSettings.PROXY_URL.equals(key) && checked != null && ProxyUrl.parse(checked).hasPassword()) {
            checked = ctx.secrets().seal(scope + "/" + key, checked);
          }
          // One timeout: the Replicate plugin's old name is taken as http_timeout, and its saved value retired.
          changes.put(NetworkSettings.LEGACY_TIMEOUT.equals(key) ? NetworkSettings.HTTP_TIMEOUT : key, checked);
          if (key.equals(NetworkSettings.HTTP_TIMEOUT) || key.equals(NetworkSettings.LEGACY_TIMEOUT)) {
            changes.put(NetworkSettings.LEGACY_TIMEOUT, null);
          }
        } else {
          changes.put(key, DeclaredSettings.check(ctx.secrets(), scope, handle.settingSpecs(),
              "provider " + handle.id(), key, value));
        }
      }
    } catch (AppException e) {
      return Future.failedFuture(e);
    }
    return bundle == null ? Future.succeededFuture(changes) : bundle.map(path -> {
      changes.put(NetworkSettings.SSL_CA_BUNDLE, path);
      return changes;
    });
  }

  /** The network keys, and the old timeout name unless the plugin declares a setting of that name itself. */
  private static boolean isNetworkKey(ProviderHandle handle, String key) {
    return NetworkSettings.KEYS.contains(key) || NetworkSettings.LEGACY_TIMEOUT.equals(key)
        && handle.settingSpecs().stream().noneMatch(s -> s.name().equals(key));
  }

  private Future<Map<String, String>> store(ProviderHandle handle, Map<String, String> changes) {
    boolean verifiedBefore = handle.network().sslVerify();
    return ctx.store().settings().put(Providers.settingsScope(handle.id()), changes, ctx.now())
        .compose(v -> saved(handle.id()))
        .map(saved -> {
          handle.reloadSettings(saved);
          if (verifiedBefore && !handle.network().sslVerify()) {
            LOG.warn("TLS certificates are no longer verified for provider {} (ssl_verify=false): anyone on the path "
                + "can read and change its calls. Prefer ssl_ca_bundle for a private CA.", handle.id());
          }
          return saved;
        });
  }

  private String hostValue(ProviderHandle handle, String key, Object value) {
    if (value == null || value instanceof String s && s.isBlank()) {
      return null;
    }
    return switch (key) {
      case WEBHOOK_URL -> DeclaredSettings.checked(key, () -> SettingValues.url(value));
      case HARDWARE_PROFILE -> hardwareProfile(handle, value);
      case HARDWARE_INFO -> hardwareInfo(value);
      case COST_LIMIT_ENABLED -> DeclaredSettings.checked(key, () -> SettingValues.bool(value));
      case COST_LIMIT_AMOUNT -> DeclaredSettings.checked(key, () -> SettingValues.number(value, true));
      case COST_LIMIT_PERIOD -> DeclaredSettings.checked(key,
          () -> SettingValues.oneOf(value, List.of("daily", "weekly", "monthly")));
      case COST_LIMIT_ACTION -> DeclaredSettings.checked(key, () -> SettingValues.oneOf(value, List.of("warn", "block")));
      case WEBHOOK_ALLOWED_IPS -> allowedIps(value);
      case WEBHOOK_REQUIRE_SIGNATURE -> requireSignature(value);
      default -> throw new IllegalStateException(key);
    };
  }

  /** A list of addresses and CIDR blocks, stored as a JSON array; empty allows every source. */
  private static String allowedIps(Object value) {
    if (!(value instanceof JsonArray list) || list.stream().anyMatch(e -> !(e instanceof String))) {
      throw AppException.invalid(WEBHOOK_ALLOWED_IPS, "webhook_allowed_ips must be a list of IP addresses or CIDR "
          + "blocks, such as [\"34.0.0.0/8\", \"2001:db8::/32\"].");
    }
    List<String> entries = list.stream().map(String::valueOf).map(String::strip).toList();
    try {
      IpAllowlist.parse(entries);
    } catch (IllegalArgumentException e) {
      throw AppException.invalid(WEBHOOK_ALLOWED_IPS, e.getMessage() + ".");
    }
    return entries.isEmpty() ? null : new JsonArray(entries).encode();
  }

  /** Signatures are always checked here: only true is taken (false would let anyone forge job status). */
  private static String requireSignature(Object value) {
    String bool = DeclaredSettings.checked(WEBHOOK_REQUIRE_SIGNATURE, () -> SettingValues.bool(value));
    if (!Boolean.parseBoolean(bool)) {
      throw AppException.invalid(WEBHOOK_REQUIRE_SIGNATURE, "Provider webhooks are always verified by their "
          + "signature on this server: an unsigned webhook could change any job's status.");
    }
    return null;
  }

  /** The addresses a provider's webhooks may come from (empty: any). */
  public static IpAllowlist webhookSources(Map<String, String> saved) {
    String stored = saved.get(WEBHOOK_ALLOWED_IPS);
    return IpAllowlist.parse(stored == null ? List.of() : new JsonArray(stored).stream().map(String::valueOf).toList());
  }

  private static String hardwareProfile(ProviderHandle handle, Object value) {
    String profile = String.valueOf(value).strip().toLowerCase(Locale.ROOT);
    List<HardwareOffer> offers = handle.hardware();
    if (!offers.isEmpty() && offers.stream().noneMatch(o -> o.id().equals(profile))) {
      throw AppException.invalid(HARDWARE_PROFILE, "Unknown hardware profile '" + profile + "'. Choose one of: "
          + String.join(", ", offers.stream().map(HardwareOffer::id).toList()) + ".");
    }
    return profile;
  }

  private static String hardwareInfo(Object value) {
    if (!(value instanceof JsonObject table)) {
      throw AppException.invalid(HARDWARE_INFO, "hardware_info must be an object of {\"<id>\": {\"cost_per_second\": n}}.");
    }
    JsonObject clean = new JsonObject();
    for (Map.Entry<String, Object> e : table) {
      String field = HARDWARE_INFO + "." + e.getKey();
      if (!(e.getValue() instanceof JsonObject entry) || !(entry.getValue("cost_per_second") instanceof Number rate)
          || rate.doubleValue() < 0 || !Double.isFinite(rate.doubleValue())) {
        throw AppException.invalid(field, "Each hardware_info entry needs a cost_per_second of 0 or more.");
      }
      JsonObject c = new JsonObject().put("cost_per_second", rate.doubleValue());
      if (entry.getValue("name") instanceof String name) {
        c.put("name", name);
      }
      clean.put(e.getKey(), c);
    }
    return clean.encode();
  }

  /** Hardware with the user's price table laid over the plugin's prices. */
  public static List<HardwareOffer> hardware(ProviderHandle handle, Map<String, String> saved) {
    JsonObject table = saved.get(HARDWARE_INFO) == null ? new JsonObject() : new JsonObject(saved.get(HARDWARE_INFO));
    List<HardwareOffer> offers = new ArrayList<>();
    for (HardwareOffer offer : handle.hardware()) {
      JsonObject override = table.getJsonObject(offer.id());
      offers.add(override == null ? offer : new HardwareOffer(offer.id(), override.getString("name", offer.label()),
          override.getDouble("cost_per_second")));
    }
    return offers;
  }

  /** $/s of {@code hardwareId} (or the provider's default hardware when null). */
  public static double rate(ProviderHandle handle, Map<String, String> saved, String hardwareId) {
    String wanted = hardwareId != null ? hardwareId : saved.get(HARDWARE_PROFILE);
    List<HardwareOffer> offers = hardware(handle, saved);
    for (HardwareOffer offer : offers) {
      if (offer.id().equals(wanted)) {
        return offer.costPerSecond();
      }
    }
    return offers.isEmpty() ? 0.0 : offers.get(0).costPerSecond();
  }

  /**
   * The reference's {@code config}: the same settings as JSON values (booleans and numbers as such,
   * the price table as an object, secrets masked), the cost-limit defaults filled in.
   */
  private static JsonObject typedConfig(ProviderHandle handle, Map<String, String> effective,
                                        Map<String, String> saved) {
    JsonObject config = new JsonObject();
    for (SettingSpec spec : handle.settingSpecs()) {
      String value = effective.get(spec.name());
      config.put(spec.name(), spec.secret() ? SettingValues.mask(value) : typed(spec.type(), value));
    }
    config.put(WEBHOOK_URL, saved.get(WEBHOOK_URL))
        .put(HARDWARE_PROFILE, saved.get(HARDWARE_PROFILE))
        .put(HARDWARE_INFO, saved.get(HARDWARE_INFO) == null ? null : new JsonObject(saved.get(HARDWARE_INFO)))
        .put(COST_LIMIT_ENABLED, Boolean.parseBoolean(saved.get(COST_LIMIT_ENABLED)))
        .put(COST_LIMIT_AMOUNT, saved.get(COST_LIMIT_AMOUNT) == null ? 0.0 : Double.parseDouble(saved.get(COST_LIMIT_AMOUNT)))
        .put(COST_LIMIT_PERIOD, saved.getOrDefault(COST_LIMIT_PERIOD, "monthly"))
        .put(COST_LIMIT_ACTION, saved.getOrDefault(COST_LIMIT_ACTION, "warn"))
        .put(WEBHOOK_ALLOWED_IPS, saved.get(WEBHOOK_ALLOWED_IPS) == null ? new JsonArray()
            : new JsonArray(saved.get(WEBHOOK_ALLOWED_IPS)))
        .put("webhook_ip_allowlist_enabled", saved.get(WEBHOOK_ALLOWED_IPS) != null)
        .put(WEBHOOK_REQUIRE_SIGNATURE, true);
    return config;
  }

  private static Object typed(SettingSpec.Type type, String value) {
    if (value == null) {
      return null;
    }
    try {
      return switch (type) {
        case BOOLEAN -> Boolean.parseBoolean(value.strip());
        case INTEGER -> Long.parseLong(value.strip());
        case NUMBER -> Double.parseDouble(value.strip());
        default -> value;
      };
    } catch (NumberFormatException e) {
      return value;
    }
  }

  /** The provider as the API shows it: settings with secrets masked, hardware with prices. */
  public JsonObject render(ProviderHandle handle, Map<String, String> saved) {
    Map<String, String> effective = handle.settings();
    JsonObject settings = DeclaredSettings.values(handle.settingSpecs(), effective);
    for (String key : HOST_KEYS) {
      if (!HARDWARE_INFO.equals(key) && !WEBHOOK_REQUIRE_SIGNATURE.equals(key)) {
        settings.put(key, saved.get(key));
      }
    }
    NetworkSettings network = handle.network();
    network.shown().forEach(e -> settings.put(e.getKey(), e.getValue() == null ? null : String.valueOf(e.getValue())));
    Map<String, String> sources = new LinkedHashMap<>(handle.settingSources());
    sources.putAll(network.sources());
    JsonArray hardware = new JsonArray();
    for (HardwareOffer offer : hardware(handle, saved)) {
      hardware.add(new JsonObject().put("id", offer.id()).put("name", offer.label())
          .put("cost_per_second", offer.costPerSecond()).put("cost_per_hour", Math.round(offer.costPerSecond()
              * 3600 * 10000) / 10000.0));
    }
    return new JsonObject()
        .put("id", handle.id())
        .put("provider", handle.id())
        .put("config", typedConfig(handle, effective, saved).mergeIn(network.shown()))
        .put("name", handle.displayName())
        .put("job_type", handle.runsLocally() ? "local" : "cloud")
        .put("is_default", handle.id().equals(ctx.config().plugins().defaultProvider()))
        .put("configured", DeclaredSettings.configured(handle.settingSpecs(), effective))
        .put("settings", settings)
        .put("setting_sources", new JsonObject(new LinkedHashMap<>(sources)))
        .put("setting_specs", DeclaredSettings.specs(handle.settingSpecs()))
        .put("hardware", hardware)
        .put("concurrency_limit", handle.concurrencyLimit())
        .put("plugin", new JsonObject().put("name", handle.plugin().name()).put("version", handle.plugin().version()));
  }
}

package dev.simpletuner.cloud.server.delivery;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.plugin.DeliveryHandle;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.spi.ConfigEntries;
import dev.simpletuner.cloud.spi.delivery.DeliveryPlan;
import dev.simpletuner.cloud.spi.delivery.DeliveryRequest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides where a job's model goes, at submit time, and what the trainer is told at dispatch time.
 *
 * <p>Targets: the submission's {@code delivery} list when given; otherwise every target that says
 * it serves the job by default (a hub when the config says {@code --push_to_hub}, a store switched
 * on for every job). When any
 * target needs the files on this server, or a public URL is set and the trainer has nowhere else
 * to publish (the seed's "local download" option), the trainer also gets a publishing entry for
 * this server's storage endpoint with credentials of its own, and the {@code local} target records
 * what arrives.
 */
public final class DeliveryPlanner {
  /** The bucket trainers send their outputs to on this server. */
  public static final String HOME_BUCKET = "outputs";
  static final String LOCAL = "local";
  private static final String PUBLISHING = "--publishing_config";

  private final ServerContext ctx;

  public DeliveryPlanner(ServerContext ctx) {
    this.ctx = ctx;
  }

  /** The plan to keep with the job: {@code metadata} for the job's metadata, {@code status} its delivery column. */
  public record Planned(JsonObject metadata, JsonArray status, List<String> warnings) {
  }

  private record Choice(DeliveryHandle handle, JsonObject options) {
  }

  /**
   * @param requested    the submission's {@code delivery} list, or null for the defaults
   * @param callbackBase the URL a cloud trainer reaches this server at, or null
   */
  public Future<Planned> plan(String jobId, ProviderHandle provider, JsonObject config, JsonArray requested,
                              String callbackBase) {
    // A worker's trainer reaches this server at the address its agent connected to.
    boolean reachable = callbackBase != null || provider.trainersConnect();
    boolean comesHome = provider.runsLocally() || reachable;
    List<Choice> choices = requested != null ? parse(requested) : defaults(config);
    List<Future<DeliveryPlan>> plans = new ArrayList<>();
    for (Choice c : choices) {
      plans.add(c.handle().plan(new DeliveryRequest(jobId, c.options(), config.copy(), provider.id(), comesHome))
          .recover(e -> Future.failedFuture(refusal(c.handle(), e))));
    }
    return Future.all(plans).compose(done -> {
      boolean serverDelivers = plans.stream().anyMatch(p -> p.result().serverDelivers());
      // The trainer already publishes somewhere: then a public URL alone does not call outputs home.
      // (A target that took over --push_to_hub and delivers from the server calls them home anyway.)
      boolean trainerPublishes = plans.stream().anyMatch(p -> !p.result().serverDelivers())
          || config.containsKey(PUBLISHING) || truthy(config.getValue("--push_to_hub"));
      boolean home = serverDelivers || !provider.runsLocally() && reachable && !trainerPublishes;
      List<Choice> all = new ArrayList<>(choices);
      List<Future<DeliveryPlan>> allPlans = new ArrayList<>(plans);
      if (home && all.stream().noneMatch(c -> c.handle().id().equals(LOCAL))) {
        ctx.deliveries().get(LOCAL).ifPresent(local -> {
          all.add(new Choice(local, new JsonObject()));
          allPlans.add(local.plan(new DeliveryRequest(jobId, new JsonObject(), config.copy(), provider.id(), true)));
        });
      }
      return Future.all(allPlans).map(v -> assemble(all, allPlans, home));
    });
  }

  private Planned assemble(List<Choice> choices, List<Future<DeliveryPlan>> plans, boolean home) {
    JsonArray targets = new JsonArray();
    JsonArray status = new JsonArray();
    List<String> warnings = new ArrayList<>();
    for (int i = 0; i < choices.size(); i++) {
      DeliveryHandle handle = choices.get(i).handle();
      DeliveryPlan plan = plans.get(i).result();
      targets.add(new JsonObject().put("target", handle.id()).put("server_delivers", plan.serverDelivers())
          .put("destination", plan.destination()).put("options", plan.options()));
      status.add(new JsonObject().put("target", handle.id()).put("name", handle.displayName())
          .put("mode", plan.serverDelivers() ? "server" : "trainer")
          .put("status", plan.serverDelivers() ? DeliveryStatus.PENDING : DeliveryStatus.DELEGATED)
          .put("destination", plan.destination()));
      warnings.addAll(plan.warnings());
    }
    return new Planned(new JsonObject().put("home", home).put("targets", targets), status, warnings);
  }

  /** What the trainer gets at dispatch: its config with the targets' changes, and secrets for the provider. */
  public record TrainerSide(JsonObject config, Map<String, String> secrets) {
  }

  /**
   * Re-plans the job's targets (settings are read now, secrets are never stored with the job) and
   * adds this server's storage endpoint when the outputs come home.
   *
   * @param base the URL the trainer reaches this server at
   */
  public Future<TrainerSide> trainerSide(String jobId, ProviderHandle provider, JsonObject config,
                                         JsonObject plan, String base) {
    JsonObject out = config.copy();
    if (plan == null) {
      return Future.succeededFuture(new TrainerSide(out, Map.of()));
    }
    List<Future<DeliveryPlan>> plans = new ArrayList<>();
    for (Object o : plan.getJsonArray("targets", new JsonArray())) {
      JsonObject t = (JsonObject) o;
      DeliveryHandle handle = ctx.deliveries().get(t.getString("target")).orElse(null);
      if (handle == null) {
        return Future.failedFuture(new IllegalStateException("Delivery target '" + t.getString("target")
            + "' is no longer installed."));
      }
      plans.add(handle.plan(new DeliveryRequest(jobId, t.getJsonObject("options", new JsonObject()), config.copy(),
          provider.id(), true)));
    }
    return Future.all(plans).map(done -> {
      JsonArray publishing = new JsonArray();
      Map<String, String> secrets = new LinkedHashMap<>();
      for (Future<DeliveryPlan> f : plans) {
        DeliveryPlan p = f.result();
        out.mergeIn(p.configChanges());
        p.publishing().forEach(publishing::add);
        secrets.putAll(p.trainerSecrets());
      }
      if (plan.getBoolean("home", false) && base != null) {
        publishing.add(homeEntry(jobId, base));
      }
      if (!publishing.isEmpty()) {
        JsonArray merged = ConfigEntries.of(PUBLISHING, out.getValue(PUBLISHING));
        publishing.forEach(merged::add);
        out.put(PUBLISHING, merged);
      }
      return new TrainerSide(out, secrets);
    });
  }

  /** The publishing entry for this server's storage endpoint (SPEC.md section 6). */
  JsonObject homeEntry(String jobId, String base) {
    return new JsonObject()
        .put("provider", "s3")
        .put("bucket", HOME_BUCKET)
        .put("endpoint_url", base + "/api/cloud/storage")
        .put("access_key", JobTokens.storageAccessKey(jobId))
        .put("secret_key", ctx.tokens().storageSecret(jobId))
        .put("region", "us-east-1")
        .put("use_ssl", base.toLowerCase(Locale.ROOT).startsWith("https://"))
        .put("base_path", jobId);
  }

  private List<Choice> parse(JsonArray requested) {
    List<Choice> choices = new ArrayList<>();
    for (int i = 0; i < requested.size(); i++) {
      String field = "delivery[" + i + "]";
      Object item = requested.getValue(i);
      String id;
      JsonObject options;
      if (item instanceof String s) {
        id = s;
        options = new JsonObject();
      } else if (item instanceof JsonObject o && o.getValue("target") instanceof String s) {
        id = s;
        options = o.copy();
        options.remove("target");
      } else {
        throw AppException.invalid(field, "Each delivery entry is a target id or {\"target\": \"<id>\", ...options}.");
      }
      DeliveryHandle handle = ctx.deliveries().get(id).orElseThrow(() -> AppException.invalid(field,
          "Unknown delivery target '" + id + "'. Available: " + String.join(", ", ctx.deliveries().ids()) + "."));
      if (choices.stream().anyMatch(c -> c.handle().id().equals(id))) {
        throw AppException.invalid(field, "Delivery target '" + id + "' is listed twice.");
      }
      choices.add(new Choice(handle, options));
    }
    return choices;
  }

  private List<Choice> defaults(JsonObject config) {
    List<Choice> choices = new ArrayList<>();
    for (DeliveryHandle handle : ctx.deliveries().all()) {
      if (handle.servesByDefault(config)) {
        choices.add(new Choice(handle, new JsonObject()));
      }
    }
    return choices;
  }

  private static AppException refusal(DeliveryHandle handle, Throwable e) {
    if (e instanceof AppException app) {
      return app;
    }
    String message = e instanceof IllegalArgumentException ? e.getMessage()
        : "Delivery target " + handle.id() + " could not plan this job: " + e.getMessage();
    return AppException.invalid("delivery", handle.displayName() + ": " + message);
  }

  static boolean truthy(Object value) {
    return value instanceof Boolean b ? b : value instanceof String s && List.of("true", "1", "yes", "on")
        .contains(s.strip().toLowerCase(Locale.ROOT));
  }
}

package dev.simpletuner.cloud.delivery.huggingface;

import dev.simpletuner.cloud.spi.CredentialStatus;
import dev.simpletuner.cloud.spi.delivery.DeliveryContext;
import dev.simpletuner.cloud.spi.delivery.DeliveryJob;
import dev.simpletuner.cloud.spi.delivery.DeliveryPlan;
import dev.simpletuner.cloud.spi.delivery.DeliveryProgress;
import dev.simpletuner.cloud.spi.delivery.DeliveryRequest;
import dev.simpletuner.cloud.spi.delivery.DeliveryResult;
import dev.simpletuner.cloud.spi.delivery.DeliveryTarget;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * Pushes a finished job's model to a Hugging Face Hub model repository. By default the trainer
 * sends its outputs home and this server pushes them, so the token never leaves this machine; only
 * when the user explicitly sets {@code token_to_provider} does the trainer get the token and push.
 */
final class HuggingFaceDelivery implements DeliveryTarget {
  private static final String NO_TOKEN =
      "No Hugging Face token: set HF_TOKEN or save one in the Publishing tab (Hugging Face Hub panel).";

  private final DeliveryContext context;
  private final RetryPolicy retry;
  private final HttpClient http;

  HuggingFaceDelivery(DeliveryContext context, RetryPolicy retry) {
    this.context = context;
    this.retry = retry;
    this.http = context.vertx().createHttpClient(new HttpClientOptions().setConnectTimeout(10_000)
        .setKeepAlive(true));
  }

  private HubClient client(HubSettings settings) {
    return new HubClient(context.vertx(), http, settings, retry);
  }

  @Override
  public Future<CredentialStatus> validate() {
    HubSettings settings = HubSettings.of(context.settings());
    if (settings.token() == null) {
      return Future.succeededFuture(CredentialStatus.invalid(NO_TOKEN));
    }
    return client(settings).api("token check", HttpMethod.GET, "/api/whoami-v2", null).map(answer -> {
      JsonObject me = answer.json();
      String role = me.getJsonObject("auth", new JsonObject()).getJsonObject("accessToken", new JsonObject())
          .getString("role");
      return "read".equals(role) ? CredentialStatus.invalid("The Hugging Face token is a read-only token; "
          + "delivery needs write permission.") : CredentialStatus.ok(me.getString("name"));
    }).recover(e -> Future.succeededFuture(CredentialStatus.invalid(e instanceof HubException h && h.status() == 401
        ? "Hugging Face rejected the token (401): invalid token." : e.getMessage())));
  }

  /** A config that asks the trainer to push to the Hub is served by this target (from this server by default). */
  @Override
  public boolean servesByDefault(JsonObject config) {
    return HubSettings.bool(config.getValue("--push_to_hub"), false);
  }

  @Override
  public Future<DeliveryPlan> plan(DeliveryRequest request) {
    try {
      return Future.succeededFuture(planNow(request));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
  }

  private DeliveryPlan planNow(DeliveryRequest request) {
    HubSettings settings = HubSettings.of(context.settings());
    RepoId repo = RepoId.parse(repoIdOf(request.options(), request.config()));
    if (settings.token() == null) {
      throw new IllegalArgumentException(NO_TOKEN);
    }
    boolean privateRepo = HubSettings.bool(request.options().getValue("private"), settings.privateRepos());
    JsonObject options = new JsonObject().put("repo_id", repo.toString()).put("private", privateRepo);
    String destination = settings.endpoint() + "/" + repo;
    if (request.outputsComeHome() && !settings.tokenToProvider()) {
      // The safe default: the trainer must not push (it has no token); this server will.
      return new DeliveryPlan(true, destination, options, new JsonObject().put("--push_to_hub", false), null,
          null, null);
    }
    if (settings.tokenToProvider()) {
      return new DeliveryPlan(false, destination, options, new JsonObject().put("--push_to_hub", true)
          .put("--hub_model_id", repo.toString()), null, Map.of("hf_token", settings.token()),
          List.of("Your Hugging Face token is handed to the training provider \"" + request.providerId()
              + "\" so the trainer can push the model itself; it leaves this machine."));
    }
    throw new IllegalArgumentException("The trained model cannot come back to this machine, so this server cannot "
        + "push it to the Hub. Either set the Webhook URL (a public tunnel URL) in Settings so outputs come home and "
        + "this server pushes them (your token never leaves this machine), or set token_to_provider in the Hugging "
        + "Face settings to let the trainer push with your token.");
  }

  @Override
  public Future<DeliveryResult> deliver(DeliveryJob job, DeliveryProgress progress) {
    HubSettings settings = HubSettings.of(context.settings());
    if (settings.token() == null) {
      return Future.failedFuture(new IllegalArgumentException(NO_TOKEN));
    }
    RepoId repo;
    try {
      repo = RepoId.parse(repoIdOf(job.options(), job.config()));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    boolean privateRepo = HubSettings.bool(job.options() == null ? null : job.options().getValue("private"),
        settings.privateRepos());
    return new HubPush(context, client(settings), job, repo, privateRepo,
        progress == null ? DeliveryProgress.NONE : progress).run();
  }

  /** The per-job option wins; otherwise the trainer config's own Hub setting. */
  static String repoIdOf(JsonObject options, JsonObject config) {
    Object fromOptions = options == null ? null : options.getValue("repo_id");
    if (fromOptions != null && !fromOptions.toString().isBlank()) {
      return fromOptions.toString();
    }
    Object fromConfig = config == null ? null : config.getValue("--hub_model_id");
    return fromConfig == null ? null : fromConfig.toString();
  }

  @Override
  public void close() {
    http.close();
  }
}

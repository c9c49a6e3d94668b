package dev.simpletuner.cloud.provider.replicate;

import dev.simpletuner.cloud.spi.ForeignJob;
import dev.simpletuner.cloud.spi.CredentialStatus;
import dev.simpletuner.cloud.spi.HardwareOffer;
import dev.simpletuner.cloud.spi.JobSpec;
import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderContext;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.SubmittedJob;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.HashSet;

/**
 * Runs SimpleTuner on Replicate: one prediction per job on the {@code advanced-trainer-<profile>}
 * model, the dataset archive uploaded through the Files API, status by webhook and by paged
 * listing, cost from Replicate's billable time.
 */
final class ReplicateProvider implements Provider {
  /** Pages of recent predictions searched for a submission cut off by a crash (newest first). */
  private static final int LOOKUP_PAGES = 5;
  /** How deep an import looks (POST /api/cloud/jobs/sync): 5 pages of 100, newest first. */
  private static final int IMPORT_PAGES = 5;
  private static final long VERSION_TTL_MS = 5 * 60_000;
  private static final long SECRET_TTL_MS = 5 * 60_000;
  private static final int PAGE_SIZE = 100;
  private static final int MAX_PAGES = 25;
  private static final int MAX_SINGLE_LOOKUPS = 50;

  private final ProviderContext ctx;
  private final ReplicateClient client;
  private final Map<String, Cached> versions = new HashMap<>();
  private Cached webhookSecret;

  private record Cached(String value, long expiresAt) {
  }

  ReplicateProvider(ProviderContext ctx) {
    this.ctx = ctx;
    this.client = new ReplicateClient(ctx.vertx(), ctx::httpClientOptions,
        () -> ctx.settings().getOrDefault(ReplicateProviderFactory.BASE_URL, "https://api.replicate.com"),
        () -> ctx.settings().get(ReplicateProviderFactory.API_TOKEN), ctx::httpTimeoutMillis);
  }

  /** A changed proxy, CA bundle or timeout applies to the next call, without a restart. */
  @Override
  public void settingsChanged() {
    client.networkChanged();
  }

  @Override
  public Future<CredentialStatus> validateCredentials() {
    String token = ctx.settings().get(ReplicateProviderFactory.API_TOKEN);
    if (token == null || token.isBlank()) {
      return Future.succeededFuture(CredentialStatus.invalid(
          "No Replicate API token: set REPLICATE_API_TOKEN or save one in Settings."));
    }
    return client.get("/account")
        .map(account -> CredentialStatus.ok(account.getString("username")))
        .recover(e -> Future.succeededFuture(CredentialStatus.invalid(e instanceof ReplicateException r
            && r.status() == 401 ? "Replicate rejected the token (401 Unauthenticated)." : e.getMessage())));
  }

  @Override
  public List<HardwareOffer> hardware() {
    return HardwareProfiles.OFFERS;
  }

  /** Local datasets are served to the model from this server's storage endpoint (see ModelInputs). */
  @Override
  public boolean readsDatasetsOverS3() {
    return true;
  }

  @Override
  public Future<List<String>> check(JobSpec spec) {
    try {
      HardwareProfiles.get(spec.hardwareProfile() == null ? HardwareProfiles.DEFAULT : spec.hardwareProfile());
      return Future.succeededFuture(ModelInputs.of(spec).warnings());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<SubmittedJob> submit(JobSpec spec) {
    String profile = spec.hardwareProfile() == null ? HardwareProfiles.DEFAULT : spec.hardwareProfile();
    HardwareOffer offer = HardwareProfiles.get(profile);
    String model = HardwareProfiles.model(ctx.settings().getOrDefault(ReplicateProviderFactory.MODEL_OWNER,
        "simpletuner"), profile);
    ModelInputs inputs;
    try {
      inputs = ModelInputs.of(spec);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return version(model).compose(version -> {
      JsonObject body = new JsonObject().put("version", version).put("input", inputs.input());
      if (spec.platformWebhookUrl() != null) {
        // "logs" events carry the prediction with its log so far: live progress without polling.
        body.put("webhook", spec.platformWebhookUrl())
            .put("webhook_events_filter", new JsonArray().add("start").add("logs").add("completed"));
      }
      return client.create("/predictions", body)
          .recover(e -> recoverCreate(e, spec))
          .map(created -> new SubmittedJob(created.getString("id"),
              Predictions.status(created.getString("status")), offer.label()));
    });
  }

  /**
   * A create that got no clear answer may have succeeded. It is never sent again blindly: if a
   * prediction whose input names this job exists, that one is the job.
   */
  private Future<JsonObject> recoverCreate(Throwable e, JobSpec spec) {
    boolean ambiguous = e instanceof ReplicateException r && (r.status() == 0 || r.status() >= 500);
    if (!ambiguous) {
      return Future.failedFuture(e);
    }
    ctx.logger().log(Level.WARNING, "Replicate gave no clear answer to the submission of job {0}; looking for it",
        spec.jobId());
    return prediction(spec.jobId()).compose(found -> found.map(Future::succeededFuture).orElseGet(() ->
        Future.failedFuture(new ReplicateException(0, e.getMessage()
            + " No prediction for this job was found on Replicate, so it was not started."))));
  }

  @Override
  public Future<Optional<SubmittedJob>> findSubmitted(String jobId) {
    return prediction(jobId).map(found -> found.map(p -> new SubmittedJob(p.getString("id"),
        Predictions.status(p.getString("status")), null)));
  }

  /**
   * The recent prediction whose input names this job: Replicate keeps a prediction's input, and the
   * job id is in it wherever this server put it (the S3 base path its outputs come home under, the
   * dataset buckets it serves, the tracker run name). A job with none of those cannot be found.
   */
  private Future<Optional<JsonObject>> prediction(String jobId) {
    JsonObject[] found = new JsonObject[1];
    return eachPage("/predictions", LOOKUP_PAGES, p -> {
      if (p.getValue("input") instanceof JsonObject input && names(input, jobId)) {
        found[0] = p;
        return false;
      }
      return true;
    }).map(v -> Optional.ofNullable(found[0]));
  }

  /**
   * Walks the account's predictions page by page (newest first, following {@code next}), at most
   * {@code pages} pages, handing each to {@code each} until it answers false.
   */
  private Future<Void> eachPage(String url, int pages, Predicate<JsonObject> each) {
    if (url == null || pages == 0) {
      return Future.succeededFuture();
    }
    return client.get(url).compose(page -> {
      for (Object item : page.getJsonArray("results", new JsonArray())) {
        if (item instanceof JsonObject p && !each.test(p)) {
          return Future.succeededFuture();
        }
      }
      return eachPage(page.getString("next"), pages - 1, each);
    });
  }

  private static boolean names(JsonObject input, String jobId) {
    for (String key : List.of("s3_base_path", "dataloader_json", "config_json")) {
      if (input.getValue(key) instanceof String text && text.contains(jobId)) {
        return true;
      }
    }
    return false;
  }

  /** {@code owner/model:version}: the configured override, or the model's latest version (cached briefly). */
  private Future<String> version(String model) {
    String override = ctx.settings().get(ReplicateProviderFactory.VERSION_OVERRIDE);
    if (override != null && !override.isBlank()) {
      return Future.succeededFuture(override.contains(":") ? override : model + ":" + override.strip());
    }
    Cached cached = versions.get(model);
    if (cached != null && cached.expiresAt() > System.currentTimeMillis()) {
      return Future.succeededFuture(cached.value());
    }
    return client.get("/models/" + model).map(m -> {
      JsonObject latest = m.getJsonObject("latest_version");
      if (latest == null || latest.getString("id") == null) {
        throw new ReplicateException(404, "The model " + model + " has no published version.");
      }
      String version = model + ":" + latest.getString("id");
      versions.put(model, new Cached(version, System.currentTimeMillis() + VERSION_TTL_MS));
      return version;
    });
  }

  @Override
  public Future<ProviderJobStatus> status(String externalId) {
    return client.get("/predictions/" + externalId).map(Predictions::toStatus);
  }

  /**
   * Pages through the account's predictions (newest first), which covers many jobs with few
   * requests, then looks up the rest one by one, a bounded number per call. Predictions that are
   * not ours are ignored.
   */
  @Override
  public Future<List<ProviderJobStatus>> statuses(List<String> externalIds) {
    Set<String> wanted = new HashSet<>(externalIds);
    Map<String, ProviderJobStatus> found = new LinkedHashMap<>();
    int pages = Math.min(MAX_PAGES, externalIds.size() / PAGE_SIZE + 2);
    Future<Void> paged = wanted.isEmpty() ? Future.succeededFuture() : eachPage("/predictions", pages, p -> {
      if (wanted.contains(p.getString("id"))) {
        found.put(p.getString("id"), Predictions.toStatus(p));
      }
      return found.size() < wanted.size();
    });
    return paged.compose(v -> {
      List<String> missing = new ArrayList<>();
      for (String id : externalIds) {
        if (!found.containsKey(id) && missing.size() < MAX_SINGLE_LOOKUPS) {
          missing.add(id);
        }
      }
      List<Future<ProviderJobStatus>> singles = missing.stream().map(this::status).toList();
      return Future.join(singles).transform(ar -> {
        for (Future<ProviderJobStatus> f : singles) {
          if (f.succeeded()) {
            found.put(f.result().externalId(), f.result());
          }
        }
        return Future.succeededFuture(new ArrayList<>(found.values()));
      });
    });
  }

  /**
   * The account's recent predictions of the SimpleTuner trainer models ({@code <model_owner>/
   * advanced-trainer-<profile>}), newest first, a few pages deep; other models' predictions are
   * not the trainer's and are left out.
   */
  @Override
  public Future<List<ForeignJob>> recentJobs() {
    String prefix = ctx.settings().getOrDefault(ReplicateProviderFactory.MODEL_OWNER, "simpletuner")
        + "/advanced-trainer-";
    List<ForeignJob> found = new ArrayList<>();
    return eachPage("/predictions", IMPORT_PAGES, p -> {
      if (p.getString("model", "").startsWith(prefix)) {
        found.add(new ForeignJob(Predictions.toStatus(p), Predictions.time(p.getValue("created_at")),
            p.getString("model").substring(prefix.length()), p.getString("model")));
      }
      return true;
    }).map(v -> found);
  }

  @Override
  public Future<Void> cancel(String externalId) {
    return client.postIdempotent("/predictions/" + externalId + "/cancel", new JsonObject())
        .<Void>mapEmpty()
        .recover(e -> e instanceof ReplicateException r && r.status() == 404 ? Future.succeededFuture()
            : Future.failedFuture(e));
  }

  @Override
  public Future<String> logs(String externalId) {
    return client.get("/predictions/" + externalId).map(p -> p.getString("logs", ""));
  }

  @Override
  public Future<ProviderJobStatus> parseWebhook(Map<String, String> headers, String body) {
    return secret(false).compose(secret -> verify(secret, headers, body)
        // The key may have been rotated since it was cached: fetch it once more before refusing.
        .recover(e -> secret(true).compose(fresh -> verify(fresh, headers, body))));
  }

  private Future<ProviderJobStatus> verify(String secret, Map<String, String> headers, String body) {
    String problem = WebhookSignature.check(secret, headers.get("webhook-id"), headers.get("webhook-timestamp"),
        headers.get("webhook-signature"), body, System.currentTimeMillis() / 1000);
    if (problem != null) {
      return Future.failedFuture(new SecurityException("Replicate webhook refused: " + problem));
    }
    return Future.succeededFuture(Predictions.toStatus(new JsonObject(body)));
  }

  private Future<String> secret(boolean refresh) {
    Cached cached = webhookSecret;
    if (!refresh && cached != null && cached.expiresAt() > System.currentTimeMillis()) {
      return Future.succeededFuture(cached.value());
    }
    return client.get("/webhooks/default/secret").map(s -> {
      String key = s.getString("key");
      if (key == null) {
        throw new ReplicateException(0, "Replicate sent no webhook signing key.");
      }
      webhookSecret = new Cached(key, System.currentTimeMillis() + SECRET_TTL_MS);
      return key;
    });
  }

  @Override
  public void close() {
    client.close();
  }
}

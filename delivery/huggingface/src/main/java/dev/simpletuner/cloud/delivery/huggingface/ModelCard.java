package dev.simpletuner.cloud.delivery.huggingface;

import dev.simpletuner.cloud.spi.delivery.DeliveryJob;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The README.md written when the trainer sent none. Deterministic (no dates): the same job gives
 * the same card, so re-delivering it changes nothing on the Hub. Secrets never appear: keys that
 * name one, nested JSON (webhook and publishing configs carry credentials) and token-looking values
 * are left out.
 */
final class ModelCard {
  private static final List<String> SECRET_WORDS = List.of("token", "secret", "key", "password", "passwd",
      "credential", "auth", "webhook", "publishing");

  private ModelCard() {
  }

  static String render(DeliveryJob job) {
    JsonObject config = job.config() == null ? new JsonObject() : job.config();
    StringBuilder card = new StringBuilder("---\n");
    String base = text(config.getValue("--pretrained_model_name_or_path"));
    if (base != null && looksLikeRepoId(base)) {
      card.append("base_model: ").append(Json.encode(base)).append('\n');
    }
    card.append("tags:\n- simpletuner\n");
    String type = text(config.getValue("--model_type"));
    if (type != null) {
      card.append("- ").append(type.equalsIgnoreCase("full") ? "full" : "lora").append('\n');
    }
    String family = tag(text(config.getValue("--model_family")));
    if (family != null) {
      card.append("- ").append(family).append('\n');
    }
    card.append("library_name: diffusers\n---\n\n");
    String title = job.runName() == null || job.runName().isBlank() ? "SimpleTuner job " + job.jobId()
        : job.runName().strip();
    card.append("# ").append(cell(title)).append("\n\n")
        .append("Trained with [SimpleTuner](https://github.com/bghira/SimpleTuner) through SimpleTuner cloud, job `")
        .append(cell(job.jobId())).append("`.");
    if (base != null && looksLikeRepoId(base)) {
      card.append(" Base model: [").append(base).append("](https://huggingface.co/").append(base).append(").");
    }
    card.append('\n');
    List<String> rows = rows(config);
    if (!rows.isEmpty()) {
      card.append("\n## Training configuration\n\n| Setting | Value |\n| --- | --- |\n");
      rows.forEach(card::append);
    }
    return card.toString();
  }

  private static List<String> rows(JsonObject config) {
    List<String> rows = new ArrayList<>();
    new TreeMap<>(config.getMap()).forEach((key, value) -> {
      String lower = key.toLowerCase(Locale.ROOT);
      if (SECRET_WORDS.stream().anyMatch(lower::contains)) {
        return;
      }
      String text = value instanceof String || value instanceof Number || value instanceof Boolean
          ? value.toString().strip() : null;
      if (text == null || text.isEmpty() || text.startsWith("{") || text.startsWith("[") || looksSecret(text)) {
        return;
      }
      rows.add("| `" + cell(key) + "` | " + cell(text) + " |\n");
    });
    return rows;
  }

  private static boolean looksSecret(String value) {
    return value.startsWith("hf_") || value.startsWith("r8_") || value.startsWith("sk-")
        || value.contains("://") && value.contains("@");
  }

  private static boolean looksLikeRepoId(String value) {
    try {
      return RepoId.parse(value).namespace() != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String text(Object value) {
    return value == null || value.toString().isBlank() ? null : value.toString().strip();
  }

  private static String tag(String value) {
    if (value == null) {
      return null;
    }
    String tag = value.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    return tag.isEmpty() ? null : tag;
  }

  /** Safe inside a Markdown table cell or heading. */
  private static String cell(String text) {
    String oneLine = text.replace('\n', ' ').replace('\r', ' ').replace("|", "\\|").replace("`", "'");
    return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
  }
}

package dev.simpletuner.cloud.delivery.huggingface;

import java.util.regex.Pattern;

/**
 * A Hub model repository id, {@code name} or {@code namespace/name}, checked with the Hub's own rules
 * (huggingface_hub {@code validate_repo_id}) so a bad name fails at submit, not after training.
 *
 * @param namespace user or organisation; null until known (filled from whoami at delivery)
 * @param name      the repository name
 */
record RepoId(String namespace, String name) {
  private static final int MAX_LENGTH = 96;
  private static final Pattern PART = Pattern.compile("[A-Za-z0-9_.-]+");

  static RepoId parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("Push to Hub needs a repository name: set hub_model_id (e.g. "
          + "\"your-name/my-lora\") in the publishing options or the trainer config.");
    }
    String id = text.strip();
    String[] parts = id.split("/", -1);
    if (parts.length > 2) {
      throw invalid(id, "use \"name\" or \"namespace/name\" (one '/' at most)");
    }
    for (String part : parts) {
      check(id, part);
    }
    if (id.endsWith(".git")) {
      throw invalid(id, "it must not end with \".git\"");
    }
    return parts.length == 2 ? new RepoId(parts[0], parts[1]) : new RepoId(null, parts[0]);
  }

  private static void check(String id, String part) {
    if (part.isEmpty()) {
      throw invalid(id, "the namespace and the name must not be empty");
    }
    if (part.length() > MAX_LENGTH) {
      throw invalid(id, "each part may have at most " + MAX_LENGTH + " characters");
    }
    if (!PART.matcher(part).matches()) {
      throw invalid(id, "only letters, digits, '-', '_' and '.' are allowed");
    }
    if (part.contains("..") || part.contains("--")) {
      throw invalid(id, "\"..\" and \"--\" are not allowed");
    }
    char first = part.charAt(0);
    char last = part.charAt(part.length() - 1);
    if (first == '-' || first == '.' || last == '-' || last == '.') {
      throw invalid(id, "'-' and '.' cannot start or end a name");
    }
  }

  private static IllegalArgumentException invalid(String id, String why) {
    String shown = id.length() > 120 ? id.substring(0, 120) + "..." : id;
    return new IllegalArgumentException("\"" + shown + "\" is not a valid Hugging Face repository name: " + why + ".");
  }

  RepoId withNamespace(String owner) {
    return namespace != null ? this : new RepoId(owner, name);
  }

  @Override
  public String toString() {
    return namespace == null ? name : namespace + "/" + name;
  }
}

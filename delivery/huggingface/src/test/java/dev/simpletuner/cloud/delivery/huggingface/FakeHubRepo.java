package dev.simpletuner.cloud.delivery.huggingface;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * One model repository inside {@link FakeHub}: the files at the head of {@code main}, the commit
 * history, and the LFS objects stored for it (uploaded objects exist before any commit names them,
 * as on the real Hub). Not thread-safe; {@link FakeHub} guards it.
 */
final class FakeHubRepo {
  /** The start of the .gitattributes the Hub writes into every new model repo. */
  static final String DEFAULT_GITATTRIBUTES = String.join("\n",
      "*.7z filter=lfs diff=lfs merge=lfs -text",
      "*.bin filter=lfs diff=lfs merge=lfs -text",
      "*.ckpt filter=lfs diff=lfs merge=lfs -text",
      "*.gz filter=lfs diff=lfs merge=lfs -text",
      "*.h5 filter=lfs diff=lfs merge=lfs -text",
      "*.onnx filter=lfs diff=lfs merge=lfs -text",
      "*.pkl filter=lfs diff=lfs merge=lfs -text",
      "*.pt filter=lfs diff=lfs merge=lfs -text",
      "*.pth filter=lfs diff=lfs merge=lfs -text",
      "*.safetensors filter=lfs diff=lfs merge=lfs -text",
      "*.tar filter=lfs diff=lfs merge=lfs -text",
      "*.zip filter=lfs diff=lfs merge=lfs -text",
      "*tfevents* filter=lfs diff=lfs merge=lfs -text", "");

  /** A file at the head: regular files keep their bytes, LFS files point into {@link #lfsObjects}. */
  record Entry(String path, byte[] content, String sha256, long size, boolean lfs) {
    String gitOid() {
      return lfs ? sha256 : gitBlobSha1(content);
    }
  }

  record Commit(String oid, String summary) {
  }

  final String id;
  final String mongoId = hex(12);
  boolean isPrivate;
  final Map<String, Entry> files = new LinkedHashMap<>();
  final List<Commit> commits = new ArrayList<>();
  final Map<String, byte[]> lfsObjects = new HashMap<>();

  FakeHubRepo(String id, boolean isPrivate) {
    this.id = id;
    this.isPrivate = isPrivate;
    Map<String, Entry> initial = new LinkedHashMap<>();
    putRegular(initial, ".gitattributes", DEFAULT_GITATTRIBUTES.getBytes(StandardCharsets.UTF_8));
    commit("initial commit", initial);
  }

  String head() {
    return commits.get(commits.size() - 1).oid();
  }

  /** Replaces the head with {@code newFiles} as one commit; returns its id. */
  String commit(String summary, Map<String, Entry> newFiles) {
    files.clear();
    files.putAll(newFiles);
    String oid = hex(20);
    commits.add(new Commit(oid, summary));
    return oid;
  }

  /**
   * The Hub's choice for a preupload entry: LFS when {@code .gitattributes} says so, when it is larger
   * than {@code regularLimit}, or when the sample looks binary (a NUL byte, git's own test).
   */
  String uploadMode(String path, long size, byte[] sample, long regularLimit) {
    if (size == 0) {
      return "regular";
    }
    if (trackedByLfs(path) || size > regularLimit) {
      return "lfs";
    }
    for (byte b : sample) {
      if (b == 0) {
        return "lfs";
      }
    }
    return "regular";
  }

  boolean trackedByLfs(String path) {
    return trackedByLfs(files, path);
  }

  static boolean trackedByLfs(Map<String, Entry> files, String path) {
    Entry attributes = files.get(".gitattributes");
    if (attributes == null) {
      return false;
    }
    String base = path.substring(path.lastIndexOf('/') + 1);
    for (String line : new String(attributes.content(), StandardCharsets.UTF_8).split("\n")) {
      String[] parts = line.strip().split("\\s+");
      if (parts.length < 2 || parts[0].startsWith("#") || !line.contains("filter=lfs")) {
        continue;
      }
      String pattern = parts[0];
      Pattern glob = Pattern.compile(globToRegex(pattern));
      if (glob.matcher(pattern.contains("/") ? path : base).matches()) {
        return true;
      }
    }
    return false;
  }

  /** Git's attribute globs, enough of them: '*' and '?' stay within one path segment. */
  private static String globToRegex(String glob) {
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> regex.append("[^/]*");
        case '?' -> regex.append("[^/]");
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return regex.toString();
  }

  /** The Hub auto-tracks LFS files committed under a path no pattern covers. */
  static void track(Map<String, Entry> files, String path) {
    if (trackedByLfs(files, path)) {
      return;
    }
    Entry attributes = files.get(".gitattributes");
    String text = attributes == null ? "" : new String(attributes.content(), StandardCharsets.UTF_8);
    if (!text.isEmpty() && !text.endsWith("\n")) {
      text += "\n";
    }
    text += path.replace(" ", "\\ ") + " filter=lfs diff=lfs merge=lfs -text\n";
    putRegular(files, ".gitattributes", text.getBytes(StandardCharsets.UTF_8));
  }

  static void putRegular(Map<String, Entry> files, String path, byte[] content) {
    files.put(path, new Entry(path, content, sha256(content), content.length, false));
  }

  static String gitBlobSha1(byte[] content) {
    MessageDigest sha1 = digest("SHA-1");
    sha1.update(("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
    return HexFormat.of().formatHex(sha1.digest(content));
  }

  static String sha256(byte[] content) {
    return HexFormat.of().formatHex(digest("SHA-256").digest(content));
  }

  static String md5(byte[] content) {
    return HexFormat.of().formatHex(digest("MD5").digest(content));
  }

  static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(int bytes) {
    byte[] random = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  /**
   * Why a README's YAML front matter would be refused, or null. A light check (the fake has no YAML
   * parser): the block must be closed and every line must be a key, a list item, a comment or an
   * indented continuation, with balanced double quotes.
   */
  static String metadataProblem(String readme) {
    String[] lines = readme.replace("\r\n", "\n").split("\n", -1);
    if (lines.length == 0 || !lines[0].strip().equals("---")) {
      return null;
    }
    int end = -1;
    for (int i = 1; i < lines.length; i++) {
      if (lines[i].strip().equals("---")) {
        end = i;
        break;
      }
    }
    if (end < 0) {
      return "The YAML metadata block is not closed with '---'";
    }
    for (int i = 1; i < end; i++) {
      String line = lines[i];
      String body = line.strip();
      if (body.isEmpty() || body.startsWith("#") || line.startsWith(" ") && !body.isEmpty()) {
        continue;
      }
      if (!body.matches("-( .*)?") && !body.matches("[^:\\s\"'][^:]*:( .*)?")) {
        return "Invalid YAML metadata on line " + (i + 1) + ": " + body;
      }
      int colon = body.indexOf(": ");
      String value = body.startsWith("-") ? body.substring(1).strip() : colon < 0 ? "" : body.substring(colon + 2).strip();
      if (value.startsWith("\"") && (value.length() < 2 || !value.endsWith("\""))) {
        return "Invalid YAML metadata on line " + (i + 1) + ": unbalanced quotes";
      }
    }
    return null;
  }
}

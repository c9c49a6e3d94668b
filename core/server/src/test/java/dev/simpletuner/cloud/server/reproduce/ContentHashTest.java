package dev.simpletuner.cloud.server.reproduce;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Canonical JSON and the content hash built on it. */
class ContentHashTest {

  @Test
  void keysAreSortedAtEveryDepthAndArraysKeepTheirOrder() {
    JsonObject value = new JsonObject().put("b", 1).put("a", new JsonObject().put("z", true).put("y",
        new JsonArray().add(new JsonObject().put("d", 2).put("c", 3)).add("x")));
    assertThat(ContentHash.canonicalJson(value)).isEqualTo("{\"a\":{\"y\":[{\"c\":3,\"d\":2},\"x\"],\"z\":true},\"b\":1}");
  }

  @Test
  void theHashIsTheSha256OfTheCanonicalDocument() {
    // printf '%s' '{"config":{"--a":1},"dataloader_config":[]}' | sha256sum
    assertThat(ContentHash.of(new JsonObject().put("--a", 1), new JsonArray()))
        .isEqualTo("sha256:" + sha256("{\"config\":{\"--a\":1},\"dataloader_config\":[]}"));
    assertThat(ContentHash.of(new JsonObject().put("--a", 1), new JsonArray()))
        .isNotEqualTo(ContentHash.of(new JsonObject().put("--a", 2), new JsonArray()));
  }

  private static String sha256(String text) {
    try {
      Process p = new ProcessBuilder("sha256sum").start();
      p.getOutputStream().write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      p.getOutputStream().close();
      return new String(p.getInputStream().readAllBytes()).split(" ")[0];
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

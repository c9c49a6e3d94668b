package dev.simpletuner.cloud.server.contract;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Reading the OpenAPI contract, the source of truth for routes, validation and access. */
public final class Contract {
  /** Response types the contract library does not know; responses are not validated, so it sees them as text. */
  private static final Set<String> OPAQUE_RESPONSE_TYPES = Set.of("text/event-stream", "text/html",
      "application/yaml", "application/octet-stream");

  private Contract() {
  }

  /** Methods whose request body the body handler reads (and resumes the request for). */
  public static boolean hasBody(HttpMethod method) {
    return method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH;
  }

  public static JsonObject parse(Buffer yaml) {
    Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml.toString());
    return new JsonObject(Json.encode(doc));
  }

  /**
   * A copy for the contract library: streaming and document responses declared as plain text, no
   * security requirements (access is decided by {@link AccessGuard} from the published contract),
   * and without the raw-protocol paths ({@code x-raw}: the S3 endpoint) that have handlers of their own.
   */
  public static JsonObject forRouter(JsonObject published) {
    JsonObject copy = published.copy();
    copy.remove("security");
    JsonObject paths = copy.getJsonObject("paths");
    for (String path : Set.copyOf(paths.fieldNames())) {
      if (paths.getJsonObject(path).stream().anyMatch(e -> e.getValue() instanceof JsonObject op
          && op.getBoolean("x-raw", false))) {
        paths.remove(path);
      }
    }
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (!(item.getValue(method) instanceof JsonObject operation)) {
          continue;
        }
        operation.remove("security");
        JsonObject responses = operation.getJsonObject("responses", new JsonObject());
        for (String status : responses.fieldNames()) {
          if (responses.getValue(status) instanceof JsonObject response
              && response.getValue("content") instanceof JsonObject content) {
            for (String type : Set.copyOf(content.fieldNames())) {
              if (OPAQUE_RESPONSE_TYPES.contains(type)) {
                content.put("text/plain", content.remove(type));
              }
            }
          }
        }
      }
    }
    return copy;
  }

}

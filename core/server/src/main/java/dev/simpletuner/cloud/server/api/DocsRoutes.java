package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.contract.ContractRouter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/** The contract itself ({@code /openapi.json}, {@code /openapi.yaml}) and Swagger UI at {@code /docs}. */
final class DocsRoutes {
  static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/5.34.1";
  static final String CHART_JS = "META-INF/resources/webjars/chart.js/4.4.7/dist";
  private static final String PAGE = """
      <!doctype html>
      <html lang="en">
      <head>
        <meta charset="utf-8">
        <title>SimpleTuner cloud API</title>
        <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
      </head>
      <body>
        <div id="swagger-ui"></div>
        <script src="/docs/assets/swagger-ui-bundle.js"></script>
        <script src="/docs/init.js"></script>
      </body>
      </html>
      """;
  private static final String INIT = "window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui'});\n";

  private final Buffer json;
  private final Buffer yaml;

  DocsRoutes(JsonObject contract, Buffer yaml) {
    this.json = contract.toBuffer();
    this.yaml = yaml;
  }

  void mount(ContractRouter ops) {
    ops.on("getOpenApiJson", rc -> rc.response().putHeader("Content-Type", "application/json")
        .end(json));
    ops.on("getOpenApiYaml", rc -> rc.response().putHeader("Content-Type", "application/yaml")
        .end(yaml));
    ops.on("getDocs", rc -> rc.response().putHeader("Content-Type", "text/html; charset=utf-8")
        .end(PAGE));
  }

  /** Swagger UI's and the UI's vendored files; not API operations, so not in the contract. */
  static void mountAssets(Router router) {
    router.get("/docs/init.js").handler(rc -> rc.response().putHeader("Content-Type", "text/javascript")
        .end(INIT));
    router.route("/docs/assets/*").handler(StaticHandler.create(SWAGGER_UI));
    // The UI's vendored chart library, from its webjar.
    router.route("/vendor/chart.js/*").handler(StaticHandler.create(CHART_JS));
  }
}

package dev.simpletuner.cloud.server.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds the API router from the OpenAPI contract: one route per operation, its parameters and
 * body validated against the contract before its handler runs. Every operation must have a
 * handler and every handler an operation, or the server does not start.
 */
final class ContractRouter {
  private final Map<String, Handler<RoutingContext>> handlers = new HashMap<>();

  /** Registers the handler of {@code operationId}. */
  ContractRouter on(String operationId, Handler<RoutingContext> handler) {
    if (handlers.put(operationId, handler) != null) {
      throw new IllegalStateException("Two handlers for operation " + operationId);
    }
    return this;
  }

  /** Adds one route per contract operation to {@code router}. */
  void addTo(Router router, OpenAPIContract contract) {
    Map<String, Handler<RoutingContext>> unused = new HashMap<>(handlers);
    for (Path path : contract.getPaths()) {
      String vertxPath = path.getName().replaceAll("\\{([^}]+)}", ":$1");
      for (Operation operation : path.getOperations()) {
        Handler<RoutingContext> handler = unused.remove(operation.getOperationId());
        if (handler == null) {
          throw new IllegalStateException("No handler for operation " + operation.getOperationId());
        }
        OperationValidator validator = new OperationValidator(operation, contract.getSchemaRepository());
        router.route(operation.getHttpMethod(), vertxPath).handler(rc -> {
          validator.validate(rc);
          handler.handle(rc);
        });
      }
    }
    if (!unused.isEmpty()) {
      throw new IllegalStateException("Handlers for operations the contract does not have: " + unused.keySet());
    }
  }
}

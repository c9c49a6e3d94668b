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
 * Runs the API's operations from the OpenAPI contract: each request's parameters and body
 * validated against the contract before its operation's handler runs. Every operation must have a
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

  /**
   * Adds one route that runs the operation the access guard found for the request (so a request
   * is matched against the contract once, and exactly as the guard saw it).
   */
  void addTo(Router router, OpenAPIContract contract) {
    Map<String, Handler<RoutingContext>> unused = new HashMap<>(handlers);
    Map<String, OperationValidator> validators = new HashMap<>();
    for (Path path : contract.getPaths()) {
      for (Operation operation : path.getOperations()) {
        if (unused.remove(operation.getOperationId()) == null) {
          throw new IllegalStateException("No handler for operation " + operation.getOperationId());
        }
        validators.put(operation.getOperationId(), new OperationValidator(operation, contract.getSchemaRepository()));
      }
    }
    if (!unused.isEmpty()) {
      throw new IllegalStateException("Handlers for operations the contract does not have: " + unused.keySet());
    }
    router.route().handler(rc -> {
      ContractRoutes.Match match = rc.get(ContractRoutes.Match.KEY);
      OperationValidator validator = match == null ? null : validators.get(match.operation().id());
      if (validator == null) {
        rc.next(); // not an operation of this router (raw-protocol paths have handlers of their own)
        return;
      }
      validator.validate(rc, match.pathParams());
      handlers.get(match.operation().id()).handle(rc);
    });
  }
}

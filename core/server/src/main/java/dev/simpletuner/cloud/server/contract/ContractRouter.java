package dev.simpletuner.cloud.server.contract;

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
public final class ContractRouter {
  private final Map<String, Handler<RoutingContext>> handlers = new HashMap<>();
  /** Operations whose handlers read the request body themselves (streamed, large). */
  private final Map<String, Handler<RoutingContext>> raw = new HashMap<>();

  /** Registers the handler of {@code operationId}. */
  public ContractRouter on(String operationId, Handler<RoutingContext> handler) {
    if (handlers.put(operationId, handler) != null) {
      throw new IllegalStateException("Two handlers for operation " + operationId);
    }
    return this;
  }

  /**
   * Registers the handler of {@code operationId}, which reads the request body itself: it runs
   * before the body is buffered, with its parameters checked against the contract.
   */
  public ContractRouter onRaw(String operationId, Handler<RoutingContext> handler) {
    on(operationId, handler);
    raw.put(operationId, handler);
    return this;
  }

  /**
   * Adds the route of the operations that read their own body; mount it before the body handler.
   *
   * @param validators the contract's operations, see {@link #validators}
   */
  public void addRawTo(Router router, Map<String, OperationValidator> validators) {
    router.route().handler(rc -> {
      OperationTable.Match match = rc.get(OperationTable.Match.KEY);
      Handler<RoutingContext> handler = match == null ? null : raw.get(match.operation().id());
      if (handler == null) {
        rc.next();
        return;
      }
      validators.get(match.operation().id()).validate(rc, match.pathParams(), false);
      handler.handle(rc);
    });
  }

  /**
   * The validators of every operation of the contract, by operation id. They hold no state between
   * requests once built, so one set serves every event loop.
   */
  public static Map<String, OperationValidator> validators(OpenAPIContract contract) {
    Map<String, OperationValidator> validators = new HashMap<>();
    for (Path path : contract.getPaths()) {
      for (Operation operation : path.getOperations()) {
        validators.put(operation.getOperationId(), new OperationValidator(operation, contract.getSchemaRepository()));
      }
    }
    return Map.copyOf(validators);
  }

  /**
   * Adds one route that runs the operation the access guard found for the request (so a request
   * is matched against the contract once, and exactly as the guard saw it).
   *
   * @param validators the contract's operations, see {@link #validators}
   */
  public void addTo(Router router, Map<String, OperationValidator> validators) {
    for (String id : validators.keySet()) {
      if (!handlers.containsKey(id)) {
        throw new IllegalStateException("No handler for operation " + id);
      }
    }
    for (String id : handlers.keySet()) {
      if (!validators.containsKey(id)) {
        throw new IllegalStateException("A handler for operation " + id + ", which the contract does not have");
      }
    }
    router.route().handler(rc -> {
      OperationTable.Match match = rc.get(OperationTable.Match.KEY);
      OperationValidator validator = match == null ? null : validators.get(match.operation().id());
      if (validator == null || raw.containsKey(match.operation().id())) {
        rc.next(); // not an operation of this router (raw-protocol paths have handlers of their own)
        return;
      }
      validator.validate(rc, match.pathParams());
      handlers.get(match.operation().id()).handle(rc);
    });
  }
}

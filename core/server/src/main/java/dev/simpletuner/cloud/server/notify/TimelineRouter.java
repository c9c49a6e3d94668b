package dev.simpletuner.cloud.server.notify;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Permission;
import dev.simpletuner.cloud.server.auth.Role;
import dev.simpletuner.cloud.server.cost.CostLimit;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.store.EventStore;
import dev.simpletuner.cloud.server.store.NotificationStore;
import dev.simpletuner.cloud.server.store.NotificationStore.NewMessage;
import dev.simpletuner.cloud.server.store.NotificationStore.Preference;
import dev.simpletuner.cloud.server.store.ServerEventStore.ServerEvent;
import dev.simpletuner.cloud.server.store.UserStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;

/**
 * Reads the job timeline (and the server's own events, {@link #routeServer}) from where it was last read and turns each entry into the messages the
 * users' preferences ask for, adding them to the outbox and moving the cursor in one transaction.
 * Run under the notifications lease only; if it stops half-way, the next run derives the same
 * rows again and the outbox's unique key keeps one of each.
 */
final class TimelineRouter {
  static final String CURSOR = "timeline";
  static final String SERVER_CURSOR = "server";
  private static final int BATCH = 200;
  private final ServerContext ctx;
  private final NotificationStore store;

  TimelineRouter(ServerContext ctx) {
    this.ctx = ctx;
    this.store = ctx.store().notifications();
  }

  /** Routes one batch; true when there may be more. */
  Future<Boolean> route() {
    return store.cursor(CURSOR).compose(after -> ctx.store().events().after(after, BATCH)).compose(entries -> {
      if (entries.isEmpty()) {
        return Future.succeededFuture(false);
      }
      long upTo = entries.get(entries.size() - 1).id();
      return store.anyWanted().compose(wanted -> {
        Map<String, Future<Optional<UserStore.User>>> users = new HashMap<>();
        List<NewMessage> messages = new ArrayList<>();
        Future<?> chain = Future.succeededFuture();
        // With nobody asking for anything, the cursor just moves on: no job is read.
        for (EventStore.Event entry : wanted ? entries : List.<EventStore.Event>of()) {
          chain = chain.compose(v -> messagesFor(entry, users)).onSuccess(messages::addAll);
        }
        return chain.compose(v -> store.route(CURSOR, upTo, messages, ctx.now()));
      }).map(v -> entries.size() == BATCH);
    });
  }

  private Future<List<NewMessage>> messagesFor(EventStore.Event entry,
                                               Map<String, Future<Optional<UserStore.User>>> users) {
    Optional<EventType> type = EventType.of(entry);
    if (type.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return ctx.store().jobs().get(entry.jobId()).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture(List.<NewMessage>of());
      }
      Job job = found.get();
      return costEvent(type.get(), job).compose(cost -> {
        List<NewMessage> out = new ArrayList<>();
        Future<?> chain = forType(type.get(), entry, job, entry.data(), users, out);
        if (cost != null) {
          JsonObject extra = entry.data().copy().put("cost_message", cost.getString("message"));
          EventType costType = cost.getBoolean("is_exceeded", false) ? EventType.COST_EXCEEDED : EventType.COST_WARNING;
          chain = chain.compose(v -> forType(costType, entry, job, extra, users, out));
        }
        return chain.map(v -> out);
      });
    });
  }

  /** A job's end is when its spend is counted: the provider's cost limit status then, if near or over it. */
  private Future<JsonObject> costEvent(EventType type, Job job) {
    if (type != EventType.JOB_COMPLETED && type != EventType.JOB_FAILED && type != EventType.JOB_CANCELLED) {
      return Future.succeededFuture();
    }
    return ctx.providers().get(job.provider())
        .map(handle -> CostLimit.status(ctx, handle)
            .map(status -> status.getBoolean("is_exceeded", false) || status.getBoolean("is_warning", false)
                ? status : null)
            .otherwise((JsonObject) null))
        .orElse(Future.succeededFuture());
  }

  private Future<Void> forType(EventType type, EventStore.Event entry, Job job, JsonObject extra,
                               Map<String, Future<Optional<UserStore.User>>> users, List<NewMessage> out) {
    String link = ctx.config().publicUrl() == null ? null
        : ctx.config().publicUrl().replaceAll("/+$", "") + "/#/job/" + job.jobId();
    JsonObject payload = Rendered.of(type, job, entry.createdAt(), link, extra);
    return toWanting(type, entry.id(), job.jobId(), payload, (userId, user) -> maySee(userId, user, job), users, out);
  }

  /** Routes one batch of the server's own events (cursor {@value #SERVER_CURSOR}); true when there may be more. */
  Future<Boolean> routeServer() {
    return store.cursor(SERVER_CURSOR).compose(after -> ctx.store().serverEvents().after(after, BATCH))
        .compose(events -> {
          if (events.isEmpty()) {
            return Future.succeededFuture(false);
          }
          long upTo = events.get(events.size() - 1).id();
          Map<String, Future<Optional<UserStore.User>>> users = new HashMap<>();
          List<NewMessage> messages = new ArrayList<>();
          Future<?> chain = Future.succeededFuture();
          for (ServerEvent event : events) {
            Optional<EventType> type = EventType.parse(event.type());
            if (type.isPresent()) {
              chain = chain.compose(v -> toWanting(type.get(), event.id(), event.data().getString("job_id"),
                  SystemEvents.render(ctx, type.get(), event),
                  (userId, user) -> SystemEvents.mayHear(type.get(), event, userId, user), users, messages));
            }
          }
          return chain.compose(v -> store.route(SERVER_CURSOR, upTo, messages, ctx.now()))
              .map(v -> events.size() == BATCH);
        });
  }

  /** A message per recipient of each preference that wants {@code type}, for users {@code allowed}. */
  private Future<Void> toWanting(EventType type, long eventId, String jobId, JsonObject payload,
                                 BiPredicate<String, Optional<UserStore.User>> allowed,
                                 Map<String, Future<Optional<UserStore.User>>> users, List<NewMessage> out) {
    return store.wanting(type.id()).compose(preferences -> {
      Future<?> chain = Future.succeededFuture();
      for (Preference p : preferences) {
        EventType.Severity min = EventType.Severity.parse(p.minSeverity());
        if (min != null && type.severity().compareTo(min) < 0) {
          continue;
        }
        chain = chain.compose(v -> users.computeIfAbsent(p.userId(), id -> ctx.store().users().byId(id)))
            .compose(user -> store.channel(p.channelId()).map(channel -> {
              if (channel.isEmpty() || !allowed.test(p.userId(), user)) {
                return null;
              }
              for (String recipient : recipients(channel.get().type(), p, user)) {
                out.add(new NewMessage(eventId, type.id(), p.channelId(), jobId, p.userId(), recipient, payload));
              }
              return null;
            }));
      }
      return chain.mapEmpty();
    });
  }

  /** Own jobs, or everyone's for those who may see them all (the local, single-user mode is an admin). */
  private static boolean maySee(String userId, Optional<UserStore.User> user, Job job) {
    if (userId.equals(job.ownerId())) {
      return true;
    }
    if (user.isEmpty()) {
      return "local".equals(userId);
    }
    Role role = Role.parse(user.get().role());
    return user.get().active() && role != null && role.permissions().contains(Permission.JOB_VIEW_ALL);
  }

  /** E-mail goes to the preference's recipients, else the user's address; webhooks and Slack have one. */
  private static List<String> recipients(String channelType, Preference p, Optional<UserStore.User> user) {
    if (!ChannelSettings.EMAIL.equals(channelType)) {
      return List.of("");
    }
    List<String> listed = p.recipients().stream().map(String::valueOf).filter(r -> !r.isBlank()).toList();
    if (!listed.isEmpty()) {
      return listed;
    }
    String email = user.map(UserStore.User::email).orElse(null);
    return email == null || email.isBlank() ? List.of() : List.of(email);
  }
}

package dev.simpletuner.cloud.server.auth;

import static dev.simpletuner.cloud.server.auth.Permission.*;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/** Roles and what each may do. Each role includes the ones before it. */
public enum Role {
  VIEWER(0, "Sees its own jobs, configs, settings and metrics.", Set.of(JOB_VIEW_OWN, CONFIG_VIEW, METRICS_VIEW,
      SETTINGS_VIEW)),
  RESEARCHER(10, "Submits, cancels and deletes its own jobs, edits configs, keeps its own API keys.",
      Set.of(JOB_SUBMIT, JOB_CANCEL_OWN, JOB_DELETE_OWN, CONFIG_EDIT, API_KEY_OWN)),
  LEAD(50, "Sees and stops everyone's jobs, reviews approvals, reads the audit log.",
      Set.of(JOB_VIEW_ALL, JOB_CANCEL_ALL, JOB_DELETE_ALL, APPROVAL_REVIEW, AUDIT_VIEW)),
  ADMIN(100, "Everything.", Set.copyOf(Permission.ALL));

  private final int priority;
  private final String description;
  private final Set<String> added;
  /** Computed once: every request asks. */
  private Set<String> permissions;

  /** @param priority the reference's level priority (its system levels: 0, 10, 50, 100) */
  Role(int priority, String description, Set<String> added) {
    this.priority = priority;
    this.description = description;
    this.added = added;
  }

  public int priority() {
    return priority;
  }

  public String description() {
    return description;
  }

  public Set<String> permissions() {
    if (permissions == null) {
      Set<String> all = new LinkedHashSet<>();
      for (Role r : values()) {
        all.addAll(r.added);
        if (r == this) {
          break;
        }
      }
      permissions = Set.copyOf(all);
    }
    return permissions;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role parse(String value) {
    for (Role r : values()) {
      if (r.wireName().equals(value)) {
        return r;
      }
    }
    return null;
  }
}

package dev.simpletuner.cloud.server.auth;

import java.util.List;

/** Permission names, as used in roles, API key scopes and the contract's {@code x-permissions}. */
public final class Permission {
  public static final String JOB_SUBMIT = "job.submit";
  public static final String JOB_VIEW_OWN = "job.view.own";
  public static final String JOB_VIEW_ALL = "job.view.all";
  public static final String JOB_CANCEL_OWN = "job.cancel.own";
  public static final String JOB_CANCEL_ALL = "job.cancel.all";
  public static final String JOB_DELETE_OWN = "job.delete.own";
  public static final String JOB_DELETE_ALL = "job.delete.all";
  public static final String CONFIG_VIEW = "config.view";
  public static final String CONFIG_EDIT = "config.edit";
  public static final String SETTINGS_VIEW = "settings.view";
  public static final String SETTINGS_EDIT = "settings.edit";
  public static final String METRICS_VIEW = "metrics.view";
  public static final String METRICS_READ = "metrics.read";
  public static final String API_KEY_OWN = "api_key.own";
  public static final String API_KEY_ALL = "api_key.all";
  public static final String USERS_MANAGE = "users.manage";
  public static final String AUDIT_VIEW = "audit.view";
  public static final String APPROVAL_REVIEW = "approval.review";
  public static final String APPROVAL_MANAGE = "approval.manage";
  public static final String CLUSTER_VIEW = "cluster.view";
  public static final String WORKERS_MANAGE = "workers.manage";
  public static final String NOTIFICATIONS_MANAGE = "notifications.manage";
  public static final String SERVER_SHUTDOWN = "server.shutdown";
  public static final String ADMIN_BACKUP = "admin.backup";

  public static final List<String> ALL = List.of(JOB_SUBMIT, JOB_VIEW_OWN, JOB_VIEW_ALL, JOB_CANCEL_OWN, JOB_CANCEL_ALL,
      JOB_DELETE_OWN, JOB_DELETE_ALL, CONFIG_VIEW, CONFIG_EDIT, SETTINGS_VIEW, SETTINGS_EDIT, METRICS_VIEW,
      API_KEY_OWN, API_KEY_ALL, USERS_MANAGE, AUDIT_VIEW, APPROVAL_REVIEW, APPROVAL_MANAGE, CLUSTER_VIEW,
      WORKERS_MANAGE, NOTIFICATIONS_MANAGE, SERVER_SHUTDOWN, METRICS_READ, ADMIN_BACKUP);

  /** What each permission allows, in words (listed by the API for the reference's CLI). */
  public static final java.util.Map<String, String> DESCRIPTIONS = java.util.Map.ofEntries(
      java.util.Map.entry(JOB_SUBMIT, "Submit training jobs"),
      java.util.Map.entry(JOB_VIEW_OWN, "See one's own jobs"),
      java.util.Map.entry(JOB_VIEW_ALL, "See everyone's jobs"),
      java.util.Map.entry(JOB_CANCEL_OWN, "Cancel one's own jobs"),
      java.util.Map.entry(JOB_CANCEL_ALL, "Cancel anyone's jobs"),
      java.util.Map.entry(JOB_DELETE_OWN, "Delete one's own ended jobs"),
      java.util.Map.entry(JOB_DELETE_ALL, "Delete anyone's ended jobs"),
      java.util.Map.entry(CONFIG_VIEW, "Read named configs"),
      java.util.Map.entry(CONFIG_EDIT, "Create, change and delete named configs"),
      java.util.Map.entry(SETTINGS_VIEW, "Read provider and delivery settings"),
      java.util.Map.entry(SETTINGS_EDIT, "Change provider and delivery settings"),
      java.util.Map.entry(METRICS_VIEW, "Read spending and job metrics"),
      java.util.Map.entry(METRICS_READ, "Scrape the Prometheus metrics of the whole server"),
      java.util.Map.entry(API_KEY_OWN, "Keep one's own API keys"),
      java.util.Map.entry(API_KEY_ALL, "See and revoke everyone's API keys"),
      java.util.Map.entry(USERS_MANAGE, "Create, change and delete accounts"),
      java.util.Map.entry(AUDIT_VIEW, "Read and verify the audit log"),
      java.util.Map.entry(APPROVAL_REVIEW, "Approve or reject jobs that wait for approval"),
      java.util.Map.entry(APPROVAL_MANAGE, "Create and change approval rules"),
      java.util.Map.entry(CLUSTER_VIEW, "See the server instances sharing the database"),
      java.util.Map.entry(WORKERS_MANAGE, "Add, drain and remove self-hosted GPU workers"),
      java.util.Map.entry(NOTIFICATIONS_MANAGE, "Add, change, test and delete notification channels; see every "
          + "user's notification preferences and history"),
      java.util.Map.entry(SERVER_SHUTDOWN, "Stop the server over the API (when the server allows it)"),
      java.util.Map.entry(ADMIN_BACKUP, "Take, list, delete and restore backups of the whole server"));

  private Permission() {
  }
}

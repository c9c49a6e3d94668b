/**
 * Notifications: channels (signed webhook, Slack incoming webhook, e-mail over SMTP), what each
 * user wants on which channel, and their delivery. The job timeline is the one source: entries are
 * turned into outbox rows under a lease, then sent with retries; every attempt is kept.
 */
package dev.simpletuner.cloud.server.notify;

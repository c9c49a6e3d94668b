/**
 * Who is asking and what they may do: accounts, sessions, API keys with scopes, roles and
 * permissions, rate limits, and the tamper-evident audit log.
 */
package dev.simpletuner.cloud.server.auth;

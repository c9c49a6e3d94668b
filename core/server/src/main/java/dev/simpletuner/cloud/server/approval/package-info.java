/**
 * Approval rules: which submits need a person's yes before they are dispatched (by cost, hardware,
 * provider or submitter). Requests and rules are stored in {@code store.ApprovalStore}; decisions
 * arrive through {@code command.JobCommands}.
 */
package dev.simpletuner.cloud.server.approval;

/**
 * Who may do what at the HTTP door: {@code AccessGuard} authenticates every request, applies the
 * permissions and rate-limit class the contract declares for its operation, and refuses
 * cross-site use of cookies; {@code JobAccess} is the ownership rule for jobs.
 */
package dev.simpletuner.cloud.server.access;

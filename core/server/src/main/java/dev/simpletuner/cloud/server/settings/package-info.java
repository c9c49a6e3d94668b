/**
 * Provider and delivery-target settings as the API shows and changes them, checked against what
 * each plugin declared, secrets sealed and masked.
 */
package dev.simpletuner.cloud.server.settings;

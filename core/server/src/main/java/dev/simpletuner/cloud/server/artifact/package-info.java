/**
 * What trainers produce besides the model (validation images for now): where their files live on
 * this server. Their records are in {@code store.ArtifactStore}; the API in {@code api.ArtifactRoutes}.
 */
package dev.simpletuner.cloud.server.artifact;

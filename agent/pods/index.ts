// The pods source's public surface; resolver.ts explains how to use it.

export { PodResolver, DEFAULT_POD_GRACE_MS } from './resolver.ts';
export type { PodResolverOptions, PodResolverStatus } from './resolver.ts';
export type { PodLogTarget, PodsSource } from './targets.ts';
export { parsePodLogPath } from './targets.ts';
export { kubeAccessFrom, podResolverFrom } from './from-settings.ts';
export { podSettings } from './settings.ts';
export { PodSourceError } from './errors.ts';

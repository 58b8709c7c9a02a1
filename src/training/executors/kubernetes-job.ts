/**
 * Builds the Kubernetes objects for one training attempt from the Job template: the Job itself and
 * the Secret that carries the run token (the Job only references it, so the token never appears
 * in the Job spec, in `kubectl describe job` or in audit logs of Job writes).
 */
import { createHash } from 'node:crypto';
import type { V1EnvVar, V1Job, V1Secret, V1Toleration } from '@kubernetes/client-node';
import type { AttemptLaunch } from '../executor';
import {
  ATTEMPT_LABEL, GPU_RESOURCE, KUEUE_QUEUE_LABEL, MANAGED_BY, MANAGED_BY_LABEL, RUN_LABEL, TENANT_LABEL, TRAINER_CONTAINER,
} from './kubernetes-job-template';

/** The per-deployment values the executor fills into the template. */
export interface TrainerJobSettings {
  namespace: string;
  /** The trainer image (the GPU image in production). */
  image?: string;
  imagePullPolicy?: string;
  /** Overrides the template's command (`node dist/src/main.js trainer`). */
  command?: string[];
  /** Node labels of the GPU pool; replaces the template's nodeSelector. */
  nodeSelector?: Record<string, string>;
  /** Taints of the GPU pool to tolerate; replaces the template's tolerations. */
  tolerations?: V1Toleration[];
  ttlSecondsAfterFinished?: number;
  serviceAccountName?: string;
  /** Label values applied to the Job and pod as well (e.g. a cost centre). */
  extraLabels?: Record<string, string>;
}

export const RUN_TOKEN_KEY = 'token';

/**
 * The Job (and Secret) name of an attempt: a DNS-1123 label (≤ 63 characters, so it also fits the
 * `job-name` label Kubernetes puts on the pods), stable for a run and attempt so a retried launch
 * hits AlreadyExists instead of starting a second pod.
 */
export function trainerJobName(runId: string, attempt: number): string {
  const suffix = `-a${attempt}`;
  let id = runId.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  const room = 63 - 'tf-run-'.length - suffix.length;
  if (id.length > room || id !== runId) {
    // Different ids must not collide after cleaning: keep a hash of the original.
    const hash = createHash('sha256').update(runId).digest('hex').slice(0, 10);
    id = `${id.slice(0, room - hash.length - 1).replace(/-+$/, '')}-${hash}`;
  }
  return `tf-run-${id}${suffix}`;
}

/** Label values must be ≤ 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric. */
function labelValue(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned;
}

export function attemptLabels(spec: Pick<AttemptLaunch, 'tenantId' | 'runId' | 'attempt'>): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [TENANT_LABEL]: labelValue(spec.tenantId),
    [RUN_LABEL]: labelValue(spec.runId),
    [ATTEMPT_LABEL]: String(spec.attempt),
  };
}

/** The Secret holding the attempt's run token; created before the Job, owned by it afterwards. */
export function buildRunTokenSecret(spec: AttemptLaunch, settings: Pick<TrainerJobSettings, 'namespace' | 'extraLabels'>): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: trainerJobName(spec.runId, spec.attempt),
      namespace: settings.namespace,
      labels: { ...settings.extraLabels, ...attemptLabels(spec) },
    },
    type: 'Opaque',
    immutable: true,
    data: { [RUN_TOKEN_KEY]: Buffer.from(spec.runToken, 'utf8').toString('base64') },
  };
}

function setEnv(env: V1EnvVar[], value: V1EnvVar): V1EnvVar[] {
  return [...env.filter((e) => e.name !== value.name), value];
}

/**
 * Fills the template for one attempt. The template is not modified. Fields the template sets and
 * the settings do not (resources, security context, volumes, extra env) are kept as they are.
 */
export function buildTrainerJob(template: V1Job, spec: AttemptLaunch, settings: TrainerJobSettings): V1Job {
  const job = structuredClone(template);
  const name = trainerJobName(spec.runId, spec.attempt);
  const labels = attemptLabels(spec);
  const jobSpec = job.spec!;
  const podSpec = jobSpec.template.spec!;
  const container = podSpec.containers.find((c) => c.name === TRAINER_CONTAINER) ?? podSpec.containers[0];

  job.metadata = {
    ...job.metadata,
    name,
    namespace: settings.namespace,
    labels: { ...job.metadata?.labels, ...settings.extraLabels, ...labels, [KUEUE_QUEUE_LABEL]: labelValue(spec.queueName) },
  };
  delete job.metadata.generateName;

  jobSpec.backoffLimit = 0;
  jobSpec.activeDeadlineSeconds = spec.activeDeadlineSeconds;
  if (settings.ttlSecondsAfterFinished !== undefined) jobSpec.ttlSecondsAfterFinished = settings.ttlSecondsAfterFinished;
  // Kueue decides when the Job starts: it suspends it at admission time through its webhook.
  delete jobSpec.suspend;
  jobSpec.template.metadata = {
    ...jobSpec.template.metadata,
    labels: { ...jobSpec.template.metadata?.labels, ...settings.extraLabels, ...labels },
  };
  podSpec.restartPolicy = 'Never';
  if (settings.nodeSelector) podSpec.nodeSelector = { ...settings.nodeSelector };
  if (settings.tolerations) podSpec.tolerations = settings.tolerations.map((t) => ({ ...t }));
  if (settings.serviceAccountName) podSpec.serviceAccountName = settings.serviceAccountName;

  if (settings.image) container.image = settings.image;
  if (settings.imagePullPolicy) container.imagePullPolicy = settings.imagePullPolicy;
  if (settings.command) container.command = [...settings.command];
  let env = container.env ?? [];
  env = setEnv(env, { name: 'TUNEFORGE_API_URL', value: spec.apiUrl });
  env = setEnv(env, { name: 'TUNEFORGE_RUN_ID', value: spec.runId });
  env = setEnv(env, { name: 'TUNEFORGE_RUN_ATTEMPT', value: String(spec.attempt) });
  env = setEnv(env, { name: 'TUNEFORGE_RUN_TOKEN', valueFrom: { secretKeyRef: { name, key: RUN_TOKEN_KEY } } });
  container.env = env;

  const limits = { ...container.resources?.limits };
  if (spec.gpus > 0) limits[GPU_RESOURCE] = String(spec.gpus);
  else delete limits[GPU_RESOURCE];
  container.resources = { ...container.resources, limits };
  return job;
}

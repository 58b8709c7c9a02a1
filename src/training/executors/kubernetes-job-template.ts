/**
 * The trainer Job template: everything about a training Job that is not specific to one attempt.
 * `k8s/base/trainer-job-template.yaml` is generated from this object so operators can read it and
 * patch it (kustomize); the executor fills in the run-specific fields (`kubernetes-job.ts`) on
 * this object, or on a patched copy given as `templateFile` (e.g. mounted from a ConfigMap).
 *
 * Regenerate the YAML after a change (a test fails until you do):
 *   npm run build && node dist/src/training/executors/kubernetes-job-template.js > k8s/base/trainer-job-template.yaml
 */
import fs from 'node:fs';
import type { V1Job } from '@kubernetes/client-node';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

/** The trainer container's name; the executor fills in the container with this name. */
export const TRAINER_CONTAINER = 'trainer';

/** Marks values the executor replaces for every attempt. */
export const PER_ATTEMPT = 'filled-in-per-attempt';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'tuneforge';
export const TENANT_LABEL = 'tuneforge.io/tenant';
export const RUN_LABEL = 'tuneforge.io/run';
export const ATTEMPT_LABEL = 'tuneforge.io/attempt';
export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
export const GPU_RESOURCE = 'nvidia.com/gpu';

const commonLabels = {
  'app.kubernetes.io/name': 'tuneforge-trainer',
  'app.kubernetes.io/component': 'trainer',
  [MANAGED_BY_LABEL]: MANAGED_BY,
};

/**
 * Index 0 and 1 of `podFailurePolicy.rules` are what the status mapping reads back from a failed
 * Job's condition message ("… matching FailJob rule at index N"): keep their order.
 */
export const TRAINER_JOB_TEMPLATE: V1Job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: {
    name: PER_ATTEMPT,
    labels: {
      ...commonLabels,
      [TENANT_LABEL]: PER_ATTEMPT,
      [RUN_LABEL]: PER_ATTEMPT,
      [ATTEMPT_LABEL]: PER_ATTEMPT,
      [KUEUE_QUEUE_LABEL]: PER_ATTEMPT,
    },
  },
  spec: {
    // Retries are Tuneforge's (a new attempt resumes from the last checkpoint), so GPU time is
    // billed exactly once per attempt and a crash never silently reruns on Kubernetes' initiative.
    backoffLimit: 0,
    // From the tenant's plan; the value here is only the fallback.
    activeDeadlineSeconds: 86400,
    ttlSecondsAfterFinished: 3600,
    podFailurePolicy: {
      rules: [
        // Preemption, eviction, node drain or loss: not the run's fault. Fail the Job at once with a
        // reason that says so; the API requeues the run as a new attempt.
        { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        // A crash of the trainer itself (including OOMKilled, exit code 137).
        { action: 'FailJob', onExitCodes: { containerName: TRAINER_CONTAINER, operator: 'NotIn', values: [0] } },
      ],
    },
    template: {
      metadata: { labels: { ...commonLabels } },
      spec: {
        restartPolicy: 'Never',
        // The trainer talks only to the Tuneforge API with its run token; it needs no Kubernetes access.
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 30,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1000,
          runAsGroup: 1000,
          fsGroup: 1000,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        nodeSelector: { 'nvidia.com/gpu.present': 'true' },
        tolerations: [{ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }],
        containers: [
          {
            name: TRAINER_CONTAINER,
            image: 'ghcr.io/tuneforge/trainer:latest',
            imagePullPolicy: 'IfNotPresent',
            command: ['node', 'dist/src/main.js', 'trainer'],
            env: [
              { name: 'TUNEFORGE_API_URL', value: PER_ATTEMPT },
              { name: 'TUNEFORGE_RUN_ID', value: PER_ATTEMPT },
              { name: 'TUNEFORGE_RUN_ATTEMPT', value: PER_ATTEMPT },
              { name: 'TUNEFORGE_RUN_TOKEN', valueFrom: { secretKeyRef: { name: PER_ATTEMPT, key: 'token' } } },
            ],
            resources: {
              requests: { cpu: '2', memory: '8Gi' },
              limits: { memory: '16Gi', [GPU_RESOURCE]: '1' },
            },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
            terminationMessagePolicy: 'FallbackToLogsOnError',
            volumeMounts: [{ name: 'scratch', mountPath: '/tmp' }],
          },
        ],
        volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '20Gi' } }],
      },
    },
  },
};

const YAML_HEADER = `# The trainer Job template of the Kubernetes executor: one Job per training attempt.
# Generated from src/training/executors/kubernetes-job-template.ts (a test checks they match).
# Values "${PER_ATTEMPT}" are set by the executor for each attempt, as are the image,
# activeDeadlineSeconds (the plan's limit), ttlSecondsAfterFinished, nodeSelector and tolerations
# when the API's configuration names them, and the GPU limit (removed for CPU-only runs).
# To change the rest (resources, security context, volumes…), patch this file with kustomize and
# mount the result into the API as a ConfigMap; point K8S_JOB_TEMPLATE at it (k8s/ does).
`;

/** The template as the committed YAML file. */
export function trainerJobTemplateYaml(template: V1Job = TRAINER_JOB_TEMPLATE): string {
  return YAML_HEADER + stringifyYaml(template, { lineWidth: 0 });
}

/** Reads a (patched) template file; throws with the file name when it is not a batch/v1 Job. */
export function readTrainerJobTemplate(file: string): V1Job {
  const parsed = parseYaml(fs.readFileSync(file, 'utf8')) as V1Job | null;
  if (!parsed || parsed.apiVersion !== 'batch/v1' || parsed.kind !== 'Job' || !parsed.spec?.template?.spec?.containers?.length) {
    throw new Error(`${file}: not a batch/v1 Job with at least one container`);
  }
  return parsed;
}

if (require.main === module) process.stdout.write(trainerJobTemplateYaml());

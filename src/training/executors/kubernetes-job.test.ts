import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { AttemptLaunch } from '../executor';
import { buildRunTokenSecret, buildTrainerJob, trainerJobName } from './kubernetes-job';
import { readTrainerJobTemplate, TRAINER_JOB_TEMPLATE, trainerJobTemplateYaml } from './kubernetes-job-template';

const root = path.resolve(__dirname, '../../..');
const TOKEN = 'tfrun_secret_token_value_0123456789';

const spec: AttemptLaunch = {
  tenantId: '7d0c8a52-3f7b-4c1e-9a57-0b8c5f2f9e11',
  runId: '0b6f1f3e-2a7c-4f54-8d1b-1c2d3e4f5a6b',
  attempt: 2,
  gpus: 2,
  apiUrl: 'http://tuneforge-api.tuneforge.svc:4000',
  runToken: TOKEN,
  activeDeadlineSeconds: 7200,
  queueName: 'tenant-7d0c8a52',
};

const settings = {
  namespace: 'tuneforge-training',
  image: 'registry.example.com/tuneforge/trainer-gpu:1.4.0',
  nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-l4' },
  tolerations: [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' }],
  ttlSecondsAfterFinished: 600,
};

/** kubernetes-models is ESM with import-only exports: validate in a plain Node child process. */
function validateWithKubernetesModels(objects: unknown[]): string[] {
  const script = `
    import { Job } from 'kubernetes-models/batch/v1/Job';
    import { Secret } from 'kubernetes-models/v1/Secret';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const errors = [];
    for (const o of JSON.parse(input)) {
      const Model = o.kind === 'Job' ? Job : Secret;
      try { new Model(o).validate(); } catch (e) { errors.push(o.kind + ': ' + e.message); }
    }
    process.stdout.write(JSON.stringify(errors));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, input: JSON.stringify(objects) });
  return JSON.parse(out.toString()) as string[];
}

describe('the trainer Job of an attempt', () => {
  const job = buildTrainerJob(TRAINER_JOB_TEMPLATE, spec, settings);

  it('carries the run, tenant and Kueue labels, the GPU pool placement and the attempt limits', () => {
    const pod = job.spec!.template.spec!;
    const container = pod.containers[0];
    expect({
      name: job.metadata!.name,
      namespace: job.metadata!.namespace,
      labels: job.metadata!.labels,
      podLabels: job.spec!.template.metadata!.labels,
      backoffLimit: job.spec!.backoffLimit,
      activeDeadlineSeconds: job.spec!.activeDeadlineSeconds,
      ttlSecondsAfterFinished: job.spec!.ttlSecondsAfterFinished,
      suspend: job.spec!.suspend,
      podFailurePolicy: job.spec!.podFailurePolicy,
      restartPolicy: pod.restartPolicy,
      automountServiceAccountToken: pod.automountServiceAccountToken,
      securityContext: pod.securityContext,
      nodeSelector: pod.nodeSelector,
      tolerations: pod.tolerations,
      image: container.image,
      command: container.command,
      env: container.env,
      limits: container.resources!.limits,
      containerSecurityContext: container.securityContext,
    }).toEqual({
      name: 'tf-run-0b6f1f3e-2a7c-4f54-8d1b-1c2d3e4f5a6b-a2',
      namespace: 'tuneforge-training',
      labels: {
        'app.kubernetes.io/name': 'tuneforge-trainer',
        'app.kubernetes.io/component': 'trainer',
        'app.kubernetes.io/managed-by': 'tuneforge',
        'tuneforge.io/tenant': spec.tenantId,
        'tuneforge.io/run': spec.runId,
        'tuneforge.io/attempt': '2',
        'kueue.x-k8s.io/queue-name': 'tenant-7d0c8a52',
      },
      podLabels: {
        'app.kubernetes.io/name': 'tuneforge-trainer',
        'app.kubernetes.io/component': 'trainer',
        'app.kubernetes.io/managed-by': 'tuneforge',
        'tuneforge.io/tenant': spec.tenantId,
        'tuneforge.io/run': spec.runId,
        'tuneforge.io/attempt': '2',
      },
      backoffLimit: 0,
      activeDeadlineSeconds: 7200,
      ttlSecondsAfterFinished: 600,
      suspend: undefined,
      podFailurePolicy: {
        rules: [
          { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          { action: 'FailJob', onExitCodes: { containerName: 'trainer', operator: 'NotIn', values: [0] } },
        ],
      },
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-l4' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' }],
      image: 'registry.example.com/tuneforge/trainer-gpu:1.4.0',
      command: ['node', 'dist/src/main.js', 'trainer'],
      env: [
        { name: 'TUNEFORGE_API_URL', value: 'http://tuneforge-api.tuneforge.svc:4000' },
        { name: 'TUNEFORGE_RUN_ID', value: spec.runId },
        { name: 'TUNEFORGE_RUN_ATTEMPT', value: '2' },
        { name: 'TUNEFORGE_RUN_TOKEN', valueFrom: { secretKeyRef: { name: 'tf-run-0b6f1f3e-2a7c-4f54-8d1b-1c2d3e4f5a6b-a2', key: 'token' } } },
      ],
      limits: { memory: '16Gi', 'nvidia.com/gpu': '2' },
      containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    });
  });

  it('never holds the run token in clear or base64: only the Secret does', () => {
    const text = JSON.stringify(job);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(Buffer.from(TOKEN).toString('base64'));
    const secret = buildRunTokenSecret(spec, settings);
    expect(secret.metadata!.name).toBe(job.metadata!.name);
    expect(Buffer.from(secret.data!.token, 'base64').toString()).toBe(TOKEN);
    expect(secret.immutable).toBe(true);
    expect(secret.metadata!.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'tuneforge', 'tuneforge.io/run': spec.runId, 'tuneforge.io/attempt': '2' });
  });

  it('drops the GPU limit for a CPU-only run and leaves the template untouched', () => {
    const before = JSON.stringify(TRAINER_JOB_TEMPLATE);
    const cpu = buildTrainerJob(TRAINER_JOB_TEMPLATE, { ...spec, gpus: 0 }, settings);
    expect(cpu.spec!.template.spec!.containers[0].resources!.limits).toEqual({ memory: '16Gi' });
    expect(JSON.stringify(TRAINER_JOB_TEMPLATE)).toBe(before);
  });

  it('validates against the Kubernetes schemas (kubernetes-models), and so do the template and the Secret', () => {
    const broken = structuredClone(job) as unknown as { spec: { backoffLimit: unknown } };
    broken.spec.backoffLimit = '0';
    const errors = validateWithKubernetesModels([job, buildRunTokenSecret(spec, settings), TRAINER_JOB_TEMPLATE, broken]);
    expect(errors).toEqual([expect.stringContaining('backoffLimit must be integer')]);
  });

  it('names Jobs as DNS labels of at most 63 characters, distinct for distinct runs', () => {
    expect(trainerJobName('abc', 1)).toBe('tf-run-abc-a1');
    const long = trainerJobName('X'.repeat(80), 12);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(trainerJobName('Run_A', 1)).not.toBe(trainerJobName('run-a', 1));
  });
});

describe('k8s/base/trainer-job-template.yaml', () => {
  it('is the generated form of the template the executor uses (regenerate: see kubernetes-job-template.ts)', () => {
    const committed = fs.readFileSync(path.join(root, 'k8s/base/trainer-job-template.yaml'), 'utf8');
    expect(committed).toBe(trainerJobTemplateYaml());
  });

  it('can be patched by an operator and given to the executor as a file', () => {
    const patched = structuredClone(TRAINER_JOB_TEMPLATE);
    patched.spec!.template.spec!.containers[0].resources!.limits!.memory = '40Gi';
    patched.spec!.template.spec!.priorityClassName = 'training';
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tf-tpl-')), 'job.yaml');
    fs.writeFileSync(file, stringify(patched));
    const job = buildTrainerJob(readTrainerJobTemplate(file), spec, settings);
    expect(job.spec!.template.spec!.priorityClassName).toBe('training');
    expect(job.spec!.template.spec!.containers[0].resources!.limits).toEqual({ memory: '40Gi', 'nvidia.com/gpu': '2' });
    fs.writeFileSync(file, 'kind: ConfigMap\n');
    expect(() => readTrainerJobTemplate(file)).toThrow(/not a batch\/v1 Job/);
  });
});

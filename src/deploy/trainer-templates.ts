/**
 * The trainer Job templates under k8s/, generated from the executor's template
 * (src/training/executors/kubernetes-job-template.ts) so that the files operators read and patch
 * are exactly what the executor would use:
 *   k8s/base/trainer-job-template.yaml          the GPU pool template (the executor's built-in one)
 *   k8s/overlays/dev/trainer-job-template.yaml  a CPU variant for a single-node cluster without GPUs
 */
import fs from 'node:fs';
import path from 'node:path';
import type { V1Job } from '@kubernetes/client-node';
import { GPU_RESOURCE, TRAINER_JOB_TEMPLATE, trainerJobTemplateYaml } from '../training/executors/kubernetes-job-template';

/** The dev overlay's template: no GPU placement or limit, and requests a laptop-sized node can meet. */
export function cpuTrainerJobTemplate(template: V1Job = TRAINER_JOB_TEMPLATE): V1Job {
  const job = structuredClone(template);
  const pod = job.spec!.template.spec!;
  delete pod.nodeSelector;
  delete pod.tolerations;
  for (const c of pod.containers) {
    const limits = { ...c.resources?.limits };
    delete limits[GPU_RESOURCE];
    c.resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { ...limits, memory: '4Gi' } };
  }
  for (const v of pod.volumes ?? []) if (v.emptyDir) v.emptyDir.sizeLimit = '4Gi';
  return job;
}

export const TRAINER_TEMPLATE_FILES = {
  'base/trainer-job-template.yaml': () => trainerJobTemplateYaml(),
  'overlays/dev/trainer-job-template.yaml': () => trainerJobTemplateYaml(cpuTrainerJobTemplate())
    .replace('# The trainer Job template', '# The dev overlay\'s CPU variant of the trainer Job template'),
};

/** Writes the templates (or, with check, only compares); returns the files that were out of date. */
export function writeTrainerTemplates(k8sDir: string, { check = false } = {}): string[] {
  const stale: string[] = [];
  for (const [file, render] of Object.entries(TRAINER_TEMPLATE_FILES)) {
    const target = path.join(k8sDir, file);
    const text = render();
    if (fs.existsSync(target) && fs.readFileSync(target, 'utf8') === text) continue;
    stale.push(file);
    if (!check) fs.writeFileSync(target, text);
  }
  return stale;
}

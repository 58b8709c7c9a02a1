/**
 * Maps what Kubernetes says about a training Job and its pod to the executor's WorkerEvent kinds,
 * with reasons a tenant understands. Pure: it reads plain API objects (from a list or a watch) and
 * knows nothing of HTTP.
 */
import type { V1Job, V1Pod, V1PodCondition, V1JobCondition } from '@kubernetes/client-node';
import type { WorkerEventKind } from '../executor';
import { KUEUE_QUEUE_LABEL, TRAINER_CONTAINER } from './kubernetes-job-template';

export interface AttemptState {
  kind: WorkerEventKind;
  reason?: string;
}

export const TERMINAL_KINDS: ReadonlySet<WorkerEventKind> = new Set(['EXITED', 'FAILED', 'LOST']);

function isTrue(conditions: Array<V1JobCondition | V1PodCondition> | undefined, type: string): V1JobCondition | V1PodCondition | undefined {
  return conditions?.find((c) => c.type === type && c.status === 'True');
}

function time(value: unknown): number {
  return value ? new Date(value as string | Date).getTime() : 0;
}

/** The attempt's most recent pod (a Job with backoffLimit 0 has one, unless it was replaced). */
export function latestPod(pods: V1Pod[]): V1Pod | undefined {
  return [...pods].sort((a, b) => time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp))[0];
}

function trainerStatus(pod: V1Pod) {
  const statuses = pod.status?.containerStatuses ?? [];
  return statuses.find((s) => s.name === TRAINER_CONTAINER) ?? statuses[0];
}

function memoryLimit(pod: V1Pod): string | undefined {
  const containers = pod.spec?.containers ?? [];
  const c = containers.find((x) => x.name === TRAINER_CONTAINER) ?? containers[0];
  return c?.resources?.limits?.memory;
}

/** LOST: the pod was evicted, preempted, or its node drained or lost. */
function disruption(pod: V1Pod): string | undefined {
  const target = isTrue(pod.status?.conditions, 'DisruptionTarget');
  if (pod.status?.reason === 'Evicted') {
    return `the pod was evicted from its node (${pod.status.message ?? 'Evicted'}); the run will resume on another attempt`;
  }
  if (target) {
    const why: Record<string, string> = {
      PreemptionByScheduler: 'preempted to make room for higher-priority work',
      DeletionByTaintManager: 'removed from a node that became unavailable',
      EvictionByEvictionAPI: 'evicted (node drain or maintenance)',
      DeletionByPodGC: 'lost with its node',
      TerminationByKubelet: 'evicted by its node (resource pressure or node shutdown)',
    };
    const what = why[target.reason ?? ''] ?? 'interrupted by the cluster';
    return `the pod was ${what} (${target.reason ?? 'DisruptionTarget'}${target.message ? `: ${target.message}` : ''}); the run will resume on another attempt`;
  }
  return undefined;
}

/** FAILED: a crash of the trainer, with the clearest cause the pod shows. */
function crash(pod: V1Pod): string | undefined {
  const terminated = trainerStatus(pod)?.state?.terminated;
  if (!terminated) return undefined;
  if (terminated.reason === 'OOMKilled') {
    const limit = memoryLimit(pod);
    return `the trainer ran out of memory (OOMKilled): it used more than its memory limit${limit ? ` of ${limit}` : ''}; use a smaller batch size or model, or ask for more memory`;
  }
  if (terminated.exitCode === 0) return undefined;
  const message = terminated.message?.trim().split('\n').slice(-3).join(' ');
  return `the trainer exited with code ${terminated.exitCode}${terminated.reason && terminated.reason !== 'Error' ? ` (${terminated.reason})` : ''}${message ? `: ${message}` : ''}`;
}

function waitingReason(pod: V1Pod): string {
  const waiting = trainerStatus(pod)?.state?.waiting;
  if (waiting?.reason && waiting.reason !== 'ContainerCreating') {
    return `the trainer container is waiting: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`;
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') return `waiting for a node with free capacity${scheduled.message ? ` (${scheduled.message})` : ''}`;
  return 'starting the trainer pod';
}

/**
 * The state of one attempt, or undefined when nothing new can be said yet.
 * `previous` is the last kind reported, so a Job Kueue suspends after it ran reads as a preemption.
 */
export function describeAttempt(job: V1Job | undefined, pods: V1Pod[], previous?: WorkerEventKind): AttemptState | undefined {
  const pod = latestPod(pods);
  const conditions = job?.status?.conditions;

  if (isTrue(conditions, 'Complete') || isTrue(conditions, 'SuccessCriteriaMet')) return { kind: 'EXITED' };

  const failed = isTrue(conditions, 'Failed') ?? isTrue(conditions, 'FailureTarget');
  if (failed) {
    if (failed.reason === 'DeadlineExceeded') {
      const limit = job?.spec?.activeDeadlineSeconds;
      return { kind: 'FAILED', reason: `the trainer ran past its time limit${limit ? ` of ${limit} s` : ''} (DeadlineExceeded)` };
    }
    const lost = pod && disruption(pod);
    if (lost) return { kind: 'LOST', reason: lost };
    if (failed.message?.includes('DisruptionTarget')) {
      return { kind: 'LOST', reason: `the pod was interrupted by the cluster (${failed.message}); the run will resume on another attempt` };
    }
    const crashed = pod && crash(pod);
    if (crashed) return { kind: 'FAILED', reason: crashed };
    const exit = /exit code (\d+)/.exec(failed.message ?? '');
    if (exit) return { kind: 'FAILED', reason: `the trainer exited with code ${exit[1]}${exit[1] === '137' ? ' (killed, usually for running out of memory)' : ''}` };
    return { kind: 'FAILED', reason: `the Kubernetes Job failed (${failed.reason ?? 'Failed'}${failed.message ? `: ${failed.message}` : ''})` };
  }

  if (pod) {
    // The pod tells first; the Job's Failed condition follows. Only causes that cannot be confused
    // with the Job's own decisions (deadline: the Job controller kills the pod) are read here.
    const lost = disruption(pod);
    if (lost) return { kind: 'LOST', reason: lost };
    const terminated = trainerStatus(pod)?.state?.terminated;
    if (terminated?.reason === 'OOMKilled') return { kind: 'FAILED', reason: crash(pod) };
  }

  if (job?.spec?.suspend) {
    if (previous === 'RUNNING') {
      return { kind: 'LOST', reason: 'the run was preempted by the GPU queue (Kueue suspended its Job); it will resume on another attempt' };
    }
    const queue = job.metadata?.labels?.[KUEUE_QUEUE_LABEL];
    return { kind: 'PROVISIONING', reason: `waiting for GPU capacity in queue ${queue ?? '(none)'} (Kueue has not admitted the Job yet)` };
  }

  if (pod && !pod.metadata?.deletionTimestamp) {
    if (pod.status?.phase === 'Running') return { kind: 'RUNNING' };
    if (pod.status?.phase === 'Pending' || !pod.status?.phase) return { kind: 'PROVISIONING', reason: waitingReason(pod) };
    return undefined;
  }
  // A pod that went away after running (the Job controller deleting it) is not a new wait.
  if (job && !pod && previous !== 'RUNNING') return { kind: 'PROVISIONING', reason: 'the Job was admitted; waiting for its pod' };
  return undefined;
}

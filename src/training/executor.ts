/**
 * How a training attempt gets a machine. One trainer program (`tuneforge trainer`), two ways to
 * start it: a child process (local, the embedded default) or a Kubernetes Job on the GPU pool.
 * The API owns run state; executors only start, stop and watch workers, and report what they see.
 */

/** Everything an executor needs to start one attempt of a run. */
export interface AttemptLaunch {
  tenantId: string;
  runId: string;
  /** 1 for the first attempt; a requeued run gets the next number. */
  attempt: number;
  gpus: number;
  /** Base URL of the API's internal trainer routes as seen from the worker, e.g. http://tuneforge-api:4000. */
  apiUrl: string;
  /** Run-scoped bearer token for the trainer protocol (src/trainer/README.md). Never log it. */
  runToken: string;
  /** Hard limit on the attempt's wall time (Kubernetes activeDeadlineSeconds). */
  activeDeadlineSeconds: number;
  /** Kueue LocalQueue to submit to (per tenant or shared). */
  queueName: string;
}

/** What an executor observed about a worker, mapped to words the run's status machine understands. */
export type WorkerEventKind =
  /** Admitted or waiting for capacity (Kueue suspension, image pull, pending pod). */
  | 'PROVISIONING'
  /** The worker process/pod is running (the trainer's own first heartbeat also moves the run to RUNNING). */
  | 'RUNNING'
  /** The worker exited successfully (the trainer has already reported completion over HTTP). */
  | 'EXITED'
  /** The worker failed in a way retrying will not fix (OOMKilled, deadline exceeded, bad exit code). */
  | 'FAILED'
  /** The worker was lost through no fault of the run (eviction, preemption, node loss): requeue. */
  | 'LOST';

export interface WorkerEvent {
  runId: string;
  attempt: number;
  kind: WorkerEventKind;
  /** A reason a user understands, e.g. "the pod ran out of memory (OOMKilled)". */
  reason?: string;
  /** Lines the worker printed (local executor: stdout/stderr), for run events. */
  log?: string[];
}

export interface Executor {
  readonly name: 'local' | 'kubernetes';
  /** Starts a worker for an attempt; resolves once it has been submitted. */
  launch(spec: AttemptLaunch): Promise<void>;
  /** Stops the attempt's worker (kill the process / delete the Job and its Secret). Idempotent. */
  stop(runId: string, attempt: number): Promise<void>;
  /** Subscribes to worker events; one listener (the run service). */
  onEvent(listener: (event: WorkerEvent) => void): void;
  /** Attempts this executor is currently running. */
  active(): number;
  /** Stops watching; running workers are left alone (they keep heartbeating to another replica). */
  close(): Promise<void>;
}

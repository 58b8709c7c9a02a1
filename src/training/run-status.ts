/**
 * The run status machine, in one place:
 *
 *   QUEUED → PROVISIONING → RUNNING → SUCCEEDED | FAILED | CANCELLED
 *   PROVISIONING | RUNNING → QUEUED   (worker lost: the next attempt resumes from a checkpoint)
 *   QUEUED | PROVISIONING → FAILED | CANCELLED
 *
 * Every status change goes through `assertTransition`; the SQL update additionally requires the
 * row to still be in the `from` status, so two replicas cannot both move the same run.
 */
export const RUN_STATUSES = ['QUEUED', 'PROVISIONING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const ALLOWED: Record<RunStatus, readonly RunStatus[]> = {
  QUEUED: ['PROVISIONING', 'FAILED', 'CANCELLED'],
  PROVISIONING: ['RUNNING', 'QUEUED', 'FAILED', 'CANCELLED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'CANCELLED', 'QUEUED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
};

export const TERMINAL: ReadonlySet<RunStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
/** Statuses in which a worker may exist and GPU time may be counted. */
export const ACTIVE: ReadonlySet<RunStatus> = new Set(['PROVISIONING', 'RUNNING']);

export const canTransition = (from: RunStatus, to: RunStatus): boolean => ALLOWED[from].includes(to);

export class IllegalTransition extends Error {
  constructor(readonly from: RunStatus, readonly to: RunStatus) {
    super(`a ${from} run cannot become ${to}`);
  }
}

export function assertTransition(from: RunStatus, to: RunStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransition(from, to);
}

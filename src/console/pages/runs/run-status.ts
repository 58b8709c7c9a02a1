import type { RunStatus } from '../../gql/graphql';

export const RUN_STATUSES: RunStatus[] = ['QUEUED', 'PROVISIONING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

export const isActive = (status: RunStatus): boolean => status === 'QUEUED' || status === 'PROVISIONING' || status === 'RUNNING';

/** "epoch 3 / 4". The API reports the epoch under way, one past the last once training ends: shown clamped. */
export const epochText = (progress: { epoch: number; totalEpochs: number }): string =>
  `epoch ${Math.min(progress.epoch, progress.totalEpochs)} / ${progress.totalEpochs}`;

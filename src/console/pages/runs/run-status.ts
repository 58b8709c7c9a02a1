import type { RunStatus } from '../../gql/graphql';

export const RUN_STATUSES: RunStatus[] = ['QUEUED', 'PROVISIONING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

export const isActive = (status: RunStatus): boolean => status === 'QUEUED' || status === 'PROVISIONING' || status === 'RUNNING';

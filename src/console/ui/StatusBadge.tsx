const tone: Record<string, string> = {
  READY: 'good',
  SUCCEEDED: 'good',
  FAILED: 'bad',
  CANCELLED: 'muted',
  QUEUED: 'wait',
  PROVISIONING: 'wait',
  UPLOADING: 'wait',
  PROCESSING: 'wait',
  RUNNING: 'live',
  RECEIVED: 'good',
  WAITING: 'wait',
  OWNER: 'live',
  REVOKED: 'muted',
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${tone[status] ?? 'muted'}`}>{status.toLowerCase()}</span>;
}

import type { RunStatus } from '../../gql/graphql';
import { formatTime } from '../../ui/format';

const PATH: RunStatus[] = ['QUEUED', 'PROVISIONING', 'RUNNING'];

/** QUEUED → PROVISIONING → RUNNING → outcome, with the current step marked. */
export function StatusTimeline({ status, attempt, times }: { status: RunStatus; attempt: number; times: Partial<Record<RunStatus, string>> }) {
  const final: RunStatus = status === 'FAILED' || status === 'CANCELLED' ? status : 'SUCCEEDED';
  const steps = [...PATH, final];
  const reached = steps.indexOf(status);
  return (
    <ol className="timeline" aria-label={`Status: ${status.toLowerCase()}${attempt > 1 ? `, attempt ${attempt}` : ''}`}>
      {steps.map((step, i) => {
        const state = i < reached ? 'done' : i === reached ? 'current' : 'todo';
        return (
          <li key={step} className={`timeline-step timeline-${state} timeline-${step.toLowerCase()}`} aria-current={state === 'current' ? 'step' : undefined}>
            <span className="timeline-dot" aria-hidden="true" />
            <span className="timeline-label">{step.toLowerCase()}</span>
            {times[step] && <time dateTime={times[step]}>{formatTime(times[step]!)}</time>}
          </li>
        );
      })}
    </ol>
  );
}

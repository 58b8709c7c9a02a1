import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { formatTime } from '../../ui/format';
import { ProblemView } from '../../ui/QueryState';
import { RunEventsDocument } from './runs.operations';

/** One page of events; "Show more" mounts the next. `version` changes when the run does, to look again. */
function EventsPage({ runId, after, version }: { runId: string; after: string | null; version: string }) {
  const [result, reexecute] = useQuery({ query: RunEventsDocument, variables: { id: runId, after } });
  const [more, setMore] = useState(false);
  useEffect(() => reexecute({ requestPolicy: 'network-only' }), [version, reexecute]);
  const page = result.data?.run?.events;
  if (!page) return result.error ? <li><ProblemView error={result.error} retry={() => reexecute({ requestPolicy: 'network-only' })} /></li> : null;
  return (
    <>
      {page.nodes.map((e) => (
        <li key={e.id} className={`event event-${e.level}`}>
          <time dateTime={e.at}>{formatTime(e.at)}</time>
          <span className="event-level">{e.level}</span>
          <span className="event-message">{e.message}</span>
        </li>
      ))}
      {page.hasNextPage && !more && (
        <li><button type="button" className="button" onClick={() => setMore(true)}>Show more</button></li>
      )}
      {more && page.endCursor && <EventsPage runId={runId} after={page.endCursor} version={version} />}
    </>
  );
}

export function RunEvents({ runId, version }: { runId: string; version: string }) {
  return (
    <section className="panel" aria-labelledby="events-title">
      <h2 id="events-title">Events</h2>
      <ol className="events" aria-live="polite">
        <EventsPage runId={runId} after={null} version={version} />
      </ol>
    </section>
  );
}

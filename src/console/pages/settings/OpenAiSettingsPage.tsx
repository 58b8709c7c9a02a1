import { useCallback, useState } from 'react';
import { useQuery } from 'urql';
import { hasScope, useViewer } from '../../app/viewer';
import { Alert } from '../../ui/Alert';
import { PageHeader } from '../../ui/PageHeader';
import { QueryState } from '../../ui/QueryState';
import type { OpenAiSettings } from './key-source';
import { OpenAiKeyForm } from './OpenAiKeyForm';
import { OpenAiKeyStatus } from './OpenAiKeyStatus';
import { OpenAiSettingsDocument } from './settings.operations';

/** Settings → OpenAI: whose key OpenAI calls use; admins set, replace or remove the tenant's own. */
export function OpenAiSettingsPage() {
  const viewer = useViewer();
  const [forbidden, setForbidden] = useState(false);
  const [saved, setSaved] = useState<OpenAiSettings | null>(null);
  const [result, reexecute] = useQuery({ query: OpenAiSettingsDocument });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const canEdit = hasScope(viewer, 'admin') && !forbidden;
  return (
    <>
      <PageHeader title="OpenAI" />
      <p className="lead">
        Baselines and runs fine-tuned on OpenAI call OpenAI with this tenant's key, or the platform's when it has none. The key is
        write-only: once saved, only its last 4 characters are shown.
      </p>
      <QueryState result={result} retry={refresh}>
        {(data) => {
          const settings = saved ?? data.openAiSettings;
          return (
            <>
              <section className="panel" aria-labelledby="openai-status-title">
                <h2 id="openai-status-title">Key in use</h2>
                <OpenAiKeyStatus settings={settings} />
              </section>
              {canEdit ? (
                <section className="panel" aria-labelledby="openai-key-title">
                  <h2 id="openai-key-title">{settings.apiKeySource === 'TENANT' ? 'Replace or remove the key' : 'Set this tenant\'s key'}</h2>
                  <OpenAiKeyForm settings={settings} onSaved={setSaved} onForbidden={() => setForbidden(true)} />
                </section>
              ) : (
                <Alert tone="notice">Only admins and owners set this tenant's OpenAI key: ask one of them to set or change it.</Alert>
              )}
            </>
          );
        }}
      </QueryState>
    </>
  );
}

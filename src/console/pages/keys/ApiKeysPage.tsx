import { useCallback, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { describeError, problemText } from '../../api/errors';
import { hasScope, useViewer } from '../../app/viewer';
import type { ApiKeysQuery } from '../../gql/graphql';
import { Alert } from '../../ui/Alert';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { formatDate } from '../../ui/format';
import { PageHeader } from '../../ui/PageHeader';
import { Pager, useCursorPages } from '../../ui/Pager';
import { Empty, QueryState } from '../../ui/QueryState';
import { StatusBadge } from '../../ui/StatusBadge';
import { CreateKeyForm } from './CreateKeyForm';
import { ApiKeysDocument, RevokeApiKeyDocument } from './keys.operations';

type ApiKey = ApiKeysQuery['viewer']['tenant']['apiKeys']['nodes'][number];

function KeyRow({ apiKey, canRevoke }: { apiKey: ApiKey; canRevoke: boolean }) {
  const [state, revoke] = useMutation(RevokeApiKeyDocument);
  const [problem, setProblem] = useState<string | null>(null);
  const onRevoke = async () => {
    const res = await revoke({ id: apiKey.id });
    if (res.error) setProblem(problemText(describeError(res.error)));
    else if (res.data?.revokeApiKey.userErrors.length) setProblem(res.data.revokeApiKey.userErrors[0].message);
  };
  const revokedAt = state.data?.revokeApiKey.apiKey?.revokedAt ?? apiKey.revokedAt;
  return (
    <tr>
      <td>{apiKey.name}<br /><code className="hint">tfk_{apiKey.prefix}_…</code></td>
      <td>{apiKey.scopes.map((s) => <code key={s} className="scope">{s}</code>)}</td>
      <td>{apiKey.lastUsedAt ? formatDate(apiKey.lastUsedAt) : 'never'}</td>
      <td>{formatDate(apiKey.createdAt)}{apiKey.createdBy && <><br /><span className="hint">{apiKey.createdBy.email}</span></>}</td>
      <td>
        {revokedAt ? (
          <><StatusBadge status="REVOKED" /> <span className="hint">{formatDate(revokedAt)}</span></>
        ) : canRevoke ? (
          <ConfirmButton label="Revoke" question={`Revoke ${apiKey.name}? Apps using it stop working at once.`} busy={state.fetching} onConfirm={() => void onRevoke()} />
        ) : (
          'active'
        )}
        {problem && <p className="field-error">{problem}</p>}
      </td>
    </tr>
  );
}

export function ApiKeysPage() {
  const viewer = useViewer();
  const isAdmin = hasScope(viewer, 'admin');
  const pages = useCursorPages();
  const [result, reexecute] = useQuery({ query: ApiKeysDocument, variables: { first: 25, after: pages.after } });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  return (
    <>
      <PageHeader title="API keys" />
      <p className="lead">Apps call Tuneforge with a key: <code>Authorization: Bearer tfk_…</code>. A key acts for this tenant with only the scopes it was given.</p>
      {isAdmin ? (
        <section className="panel" aria-labelledby="new-key-title">
          <h2 id="new-key-title">New key</h2>
          <CreateKeyForm grantable={viewer.scopes} onCreated={refresh} />
        </section>
      ) : (
        <Alert tone="notice">Only admins and owners create and revoke keys.</Alert>
      )}
      <section aria-labelledby="keys-title">
        <h2 id="keys-title">Keys</h2>
        <QueryState result={result} retry={refresh}>
          {({ viewer: v }) =>
            v.tenant.apiKeys.nodes.length === 0 ? (
              <Empty title="No API keys yet." />
            ) : (
              <>
                <div className="table-wrap">
                  <table>
                    <thead>
                      <tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Last used</th><th scope="col">Created</th><th scope="col">State</th></tr>
                    </thead>
                    <tbody>
                      {v.tenant.apiKeys.nodes.map((k) => <KeyRow key={k.id} apiKey={k} canRevoke={isAdmin} />)}
                    </tbody>
                  </table>
                </div>
                <Pager pages={pages} pageInfo={v.tenant.apiKeys.pageInfo} />
              </>
            )
          }
        </QueryState>
      </section>
    </>
  );
}

import { formatDate } from '../../ui/format';
import { describeKeySource, type OpenAiSettings } from './key-source';

/** Whose key OpenAI calls use, with the last 4 characters of the tenant's own: never the key. */
export function OpenAiKeyStatus({ settings }: { settings: OpenAiSettings }) {
  const { title, detail } = describeKeySource(settings);
  return (
    <div data-testid="openai-key-status" data-source={settings.apiKeySource}>
      <p><strong>{title}</strong></p>
      <p className="hint">
        {detail}
        {settings.apiKeySource === 'TENANT' && settings.apiKeyUpdatedAt && <> Set {formatDate(settings.apiKeyUpdatedAt)}.</>}
      </p>
    </div>
  );
}

import { Link } from 'react-router';

/** Where a missing OpenAI key (OPENAI_NOT_CONFIGURED) gets set: the OpenAI settings page. */
export const OPENAI_SETTINGS_PATH = '/settings/openai';

export function OpenAiKeyHint() {
  return (
    <>
      An admin of this tenant sets its OpenAI key in <Link to={OPENAI_SETTINGS_PATH}>Settings → OpenAI</Link>, or the platform sets one for everyone.
    </>
  );
}

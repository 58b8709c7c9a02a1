/** The scopes an API key can have (docs/api.md, API keys), with what each allows. */
export const SCOPES: { scope: string; label: string }[] = [
  { scope: 'datasets:read', label: 'Read datasets' },
  { scope: 'datasets:write', label: 'Upload and delete datasets' },
  { scope: 'runs:read', label: 'Read runs' },
  { scope: 'runs:write', label: 'Launch and cancel runs' },
  { scope: 'models:read', label: 'Read models' },
  { scope: 'models:invoke', label: 'Call models (inference)' },
  { scope: 'billing:read', label: 'Read usage and billing' },
  { scope: 'admin', label: 'Everything, including keys and members' },
];

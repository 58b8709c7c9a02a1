/**
 * The console's sections. `available: false` marks a page whose API has not landed on this server
 * yet: it shows in the navigation, disabled.
 */
export interface NavEntry {
  to: string;
  label: string;
  available: boolean;
}

export const NAV: NavEntry[] = [
  { to: '/datasets', label: 'Datasets', available: true },
  { to: '/runs', label: 'Runs', available: true },
  { to: '/models', label: 'Models', available: true },
  { to: '/keys', label: 'API keys', available: true },
  { to: '/members', label: 'Members', available: true },
  { to: '/usage', label: 'Usage & billing', available: true },
  { to: '/settings/openai', label: 'OpenAI', available: true },
];

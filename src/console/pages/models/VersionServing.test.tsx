import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { VersionServing } from './VersionServing';

describe('VersionServing', () => {
  it('shows an OpenAI version\'s fine-tuned model id instead of an artifact size', () => {
    render(<VersionServing version={{ provider: 'OPENAI', providerModel: 'ft:gpt-4o-mini-2024-07-18:acme::abc123', artifactBytes: null }} />);
    expect(screen.getByText('OpenAI')).toBeTruthy();
    expect(screen.getByText('ft:gpt-4o-mini-2024-07-18:acme::abc123').tagName).toBe('CODE');
  });

  it('shows our artifact\'s size for a version trained on the GPU pool', () => {
    const { container } = render(<VersionServing version={{ provider: 'LOCAL', providerModel: null, artifactBytes: 2_400_000 }} />);
    expect(container.textContent).toBe('2.4 MB');
  });
});

import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ConfirmButton } from './ConfirmButton';

describe('ConfirmButton', () => {
  it('asks first, acts only on the confirming button, and works from the keyboard', async () => {
    const onConfirm = vi.fn();
    render(<ConfirmButton label="Revoke" question="Revoke it?" onConfirm={onConfirm} />);
    await userEvent.tab();
    await userEvent.keyboard('{Enter}');
    expect(screen.getByText('Revoke it?')).toBeTruthy();
    expect(onConfirm).not.toHaveBeenCalled();
    expect(document.activeElement?.textContent).toBe('Revoke'); // focus moved to the confirming button
    await userEvent.keyboard('{Enter}');
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });

  it('cancels without acting', async () => {
    const onConfirm = vi.fn();
    render(<ConfirmButton label="Remove" question="Remove?" onConfirm={onConfirm} />);
    await userEvent.click(screen.getByRole('button', { name: 'Remove' }));
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onConfirm).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Remove' })).toBeTruthy();
  });
});

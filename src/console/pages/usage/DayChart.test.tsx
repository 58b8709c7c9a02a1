import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DayChart } from './DayChart';

describe('DayChart', () => {
  it('draws one bar a day, scaled to the largest, and names the values for screen readers', () => {
    const { container, getByRole } = render(<DayChart title="GPU-hours by day" unit="GPU-h" bars={[{ day: '2026-11-01', value: 1 }, { day: '2026-11-02', value: 2 }]} />);
    const heights = [...container.querySelectorAll('rect.day-bar')].map((r) => Number(r.getAttribute('height')));
    expect(heights).toHaveLength(2);
    expect(heights[1]).toBeCloseTo(heights[0] * 2);
    expect(getByRole('img').getAttribute('aria-label')).toBe('GPU-hours by day: 2026-11-01 1 GPU-h, 2026-11-02 2 GPU-h');
  });

  it('draws empty bars when nothing was used', () => {
    const { container } = render(<DayChart title="Inference requests by day" unit="requests" bars={[{ day: '2026-11-01', value: 0 }]} />);
    expect(container.querySelector('rect.day-bar')?.getAttribute('height')).toBe('0');
  });
});

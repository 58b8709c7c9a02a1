import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DatasetFiles } from './DatasetFiles';

describe('DatasetFiles', () => {
  it('says per file whether it is in, still awaited, or refused', () => {
    render(
      <DatasetFiles
        files={[
          { split: 'TRAIN', status: 'RECEIVED', rowCount: 2900, byteSize: 12_000, receivedAt: '2026-03-01T10:00:00Z', expiresAt: '2026-03-01T11:00:00Z' },
          { split: 'VALIDATION', status: 'FAILED', rowCount: null, byteSize: 500, receivedAt: '2026-03-01T10:01:00Z', expiresAt: '2026-03-01T11:00:00Z' },
          { split: 'TEST', status: 'WAITING', rowCount: null, byteSize: null, receivedAt: null, expiresAt: '2026-03-01T11:00:00Z' },
        ]}
      />,
    );
    const items = screen.getAllByRole('listitem').map((li) => li.textContent);
    expect(items[0]).toMatch(/^Train received 2,900 rows, 12 kB, received /);
    expect(items[1]).toMatch(/^Validation failed 500 B, refused /);
    expect(items[2]).toMatch(/^Test waiting not in yet; its upload URL expires /);
  });
});

import { describe, expect, it } from 'vitest';
import { changedHyperparameters, newIdempotencyKey } from './hyperparameters';

describe('launch form hyperparameters', () => {
  const defaults = { epochs: 10, learningRate: 0.01, optimizer: 'adam', clipNorm: null, schedule: [1, 2] };

  it('sends only changed values, typed like their defaults', () => {
    expect(changedHyperparameters({ epochs: '10', learningRate: '0.05', optimizer: 'sgd', clipNorm: '1', schedule: '[1,2]' }, defaults)).toEqual({
      learningRate: 0.05,
      optimizer: 'sgd',
      clipNorm: 1,
    });
  });

  it('passes text that does not parse through as it is, so the server can name the field', () => {
    expect(changedHyperparameters({ epochs: 'many', schedule: '[1,' }, defaults)).toEqual({ epochs: 'many', schedule: '[1,' });
  });

  it('makes a new idempotency key per form', () => {
    expect(newIdempotencyKey()).toMatch(/^console-[0-9a-f]{32}$/);
    expect(newIdempotencyKey()).not.toBe(newIdempotencyKey());
  });
});

import { assertTransition, canTransition, IllegalTransition, RUN_STATUSES, TERMINAL } from './run-status';

describe('run status machine', () => {
  it('allows exactly the documented transitions', () => {
    const allowed = RUN_STATUSES.flatMap((from) => RUN_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed.sort()).toEqual([
      'PROVISIONING→CANCELLED', 'PROVISIONING→FAILED', 'PROVISIONING→QUEUED', 'PROVISIONING→RUNNING',
      'QUEUED→CANCELLED', 'QUEUED→FAILED', 'QUEUED→PROVISIONING',
      'RUNNING→CANCELLED', 'RUNNING→FAILED', 'RUNNING→QUEUED', 'RUNNING→SUCCEEDED',
    ]);
  });

  it('never leaves a terminal status and never skips provisioning', () => {
    for (const from of TERMINAL) for (const to of RUN_STATUSES) expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition('QUEUED', 'RUNNING')).toThrow(IllegalTransition);
    expect(() => assertTransition('QUEUED', 'SUCCEEDED')).toThrow('a QUEUED run cannot become SUCCEEDED');
  });
});

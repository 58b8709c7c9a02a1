import { toGlobalId as relayToGlobalId } from 'graphql-relay';
import { idOf, parseGlobalId, toGlobalId } from './global-id';

describe('global ids', () => {
  it('are written exactly as graphql-relay writes them, and read back', () => {
    const ids = ['3f2c1b7e-8a54-4c1e-9d7f-0a1b2c3d4e5f', '00000000-0000-4000-8000-000000000000'];
    for (const type of ['Membership', 'User', 'ModelVersion', 'Tenant', 'Ä']) {
      for (const id of ids) {
        expect(toGlobalId(type, id)).toBe(relayToGlobalId(type, id));
        if (type !== 'Ä') expect(parseGlobalId(toGlobalId(type, id))).toEqual({ type, id });
      }
    }
  });

  it('a malformed id or one of another type names nothing', () => {
    expect(parseGlobalId('not base64 at all!')).toBeNull();
    expect(parseGlobalId(toGlobalId('User', 'not-a-uuid'))).toBeNull();
    expect(() => idOf('User', toGlobalId('Membership', '00000000-0000-4000-8000-000000000000'))).toThrow(/User not found/);
  });
});

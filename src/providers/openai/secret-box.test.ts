import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox('a-server-secret-that-is-long-enough-0123456789');

  it('round-trips a value and never stores it in clear', () => {
    const sealed = box.seal('sk-test-abcdef123456', 'tenant-a');
    expect(sealed).not.toContain('sk-test');
    expect(sealed).not.toContain('123456');
    expect(box.open(sealed, 'tenant-a')).toBe('sk-test-abcdef123456');
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('same', 't')).not.toBe(box.seal('same', 't'));
  });

  it('refuses a ciphertext moved to another tenant, tampered, or sealed with another key', () => {
    const sealed = box.seal('sk-test-abcdef123456', 'tenant-a');
    expect(() => box.open(sealed, 'tenant-b')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('sk-evil').toString('base64url');
    expect(() => box.open(parts.join('.'), 'tenant-a')).toThrow();
    expect(() => new SecretBox('another-server-secret-long-enough-0123456789').open(sealed, 'tenant-a')).toThrow();
  });
});

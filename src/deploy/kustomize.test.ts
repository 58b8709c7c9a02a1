import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderKustomization } from './kustomize';
import { applyJsonPatch, strategicMerge } from './patch';

function kustomization(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-kustomize-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('the kustomize renderer', () => {
  it('names generated ConfigMaps and Secrets with the hash kubectl kustomize 5.5 gives them, and wraps Secret data as it does', () => {
    // Expected names and data recorded from `kubectl kustomize` on the same kustomization.
    const dir = kustomization({
      'kustomization.yaml': `configMapGenerator:\n  - name: app\n    literals: ["A=<b>&c"]\nsecretGenerator:\n  - name: creds\n    literals: ["TOKEN=${'0123456789'.repeat(7)}"]\n`,
    });
    const [cm, secret] = renderKustomization(dir);
    expect(cm.metadata.name).toBe('app-h5hgk262k6');
    expect(secret.metadata.name).toBe('creds-7dk6bcb69t');
    expect(secret.data).toEqual({ TOKEN: 'MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMT\nIzNDU2Nzg5MDEyMzQ1Njc4OQ==\n' });
  });

  it('rewrites references to generated names in pod specs, and refuses what it does not implement', () => {
    const dir = kustomization({
      'kustomization.yaml': 'resources: [job.yaml]\nconfigMapGenerator:\n  - name: cfg\n    literals: [A=1]\n',
      'job.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          envFrom: [{configMapRef: {name: cfg}}]\n      volumes: [{name: v, configMap: {name: cfg}}]\n',
    });
    const [cm, job] = renderKustomization(dir) as Array<{ metadata: { name: string }; spec?: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(job.spec.template.spec.containers[0].envFrom[0].configMapRef.name).toBe(cm.metadata.name);
    expect(job.spec.template.spec.volumes[0].configMap.name).toBe(cm.metadata.name);
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'namespace: other\nresources: [job.yaml]\n');
    expect(() => renderKustomization(dir)).toThrow(/"namespace" is not supported/);
  });
});

describe('strategic merge patches', () => {
  const base = {
    spec: {
      containers: [{ name: 'a', image: 'x', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }, { name: 'b', image: 'y' }],
      volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'data', emptyDir: {} }],
      tolerations: [{ key: 'k', operator: 'Exists' }],
    },
  };

  it('merges keyed lists by their merge key (patch items first, as kyaml orders them) and replaces the others', () => {
    const out = strategicMerge(base, {
      spec: {
        containers: [{ name: 'a', env: [{ name: 'B', value: '3' }] }],
        volumes: [{ name: 'data', emptyDir: null, persistentVolumeClaim: { claimName: 'pvc' } }],
        tolerations: [{ key: 'other', operator: 'Exists' }],
      },
    }, 'test');
    expect(out.spec.containers).toEqual([{ name: 'a', image: 'x', env: [{ name: 'B', value: '3' }, { name: 'A', value: '1' }] }, { name: 'b', image: 'y' }]);
    expect(out.spec.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'pvc' } }, { name: 'tmp', emptyDir: {} }]);
    expect(out.spec.tolerations).toEqual([{ key: 'other', operator: 'Exists' }]);
    expect(base.spec.volumes[1]).toEqual({ name: 'data', emptyDir: {} });
  });

  it('deletes list items with $patch: delete and keys set to null', () => {
    const out = strategicMerge(base, { spec: { containers: [{ name: 'b', $patch: 'delete' }], tolerations: null } }, 'test');
    expect(out.spec.containers.map((c) => c.name)).toEqual(['a']);
    expect(out.spec).not.toHaveProperty('tolerations');
  });
});

describe('JSON 6902 patches', () => {
  it('adds, replaces, removes and tests; a wrong path is an error naming the patch', () => {
    const out = applyJsonPatch({ a: { list: [1, 2] }, b: 1 }, [
      { op: 'add', path: '/a/list/-', value: 3 },
      { op: 'replace', path: '/b', value: 2 },
      { op: 'remove', path: '/a/list/0' },
      { op: 'test', path: '/b', value: 2 },
      { op: 'add', path: '/a/x~1y', value: true },
    ], 'p');
    expect(out).toEqual({ a: { list: [2, 3], 'x/y': true }, b: 2 });
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '/missing' }], 'overlays/x patch 2')).toThrow(/overlays\/x patch 2: remove \/missing: no such path/);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { buildSchema as buildSdlSchema, GraphQLSchema, Kind, OperationDefinitionNode, parse, validate } from 'graphql';
import { buildApiSchema, printApiSchema } from '../src/server/schema';

const ROOT = path.resolve(__dirname, '..');
const CONTRACT = [path.resolve(ROOT, '../shared/contract/operations.graphql'), path.resolve(ROOT, 'shared/contract/operations.graphql')].find((p) => fs.existsSync(p));

describe('schema.graphql', () => {
  it('equals the schema the code emits (run `npm run schema:emit` after changing types)', async () => {
    const emitted = printApiSchema(await buildApiSchema());
    expect(fs.readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8')).toBe(emitted);
  });
});

/** The root fields an operation uses, to tell landed features from pending ones. */
function rootFields(op: OperationDefinitionNode): string[] {
  return op.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
}

function hasRootField(schema: GraphQLSchema, op: OperationDefinitionNode, field: string): boolean {
  const root = op.operation === 'mutation' ? schema.getMutationType() : op.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  return Boolean(root?.getFields()[field]);
}

if (!CONTRACT) console.warn('skipping the client contract test: shared/contract/operations.graphql not found beside the repository');

(CONTRACT ? describe : describe.skip)('client contract (shared/contract/operations.graphql)', () => {
  const schema = buildSdlSchema(fs.readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8'));
  const ops = CONTRACT ? parse(fs.readFileSync(CONTRACT, 'utf8')).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION) : [];
  const foundation = ['SignUp', 'LogIn', 'RefreshSession', 'CreateApiKey', 'RevokeApiKey', 'Viewer', 'Node'];

  it('lists the foundation operations', () => {
    expect(ops.map((o) => o.name?.value)).toEqual(expect.arrayContaining(foundation));
  });

  it.each(ops.map((o) => [o.name?.value ?? '?', o] as const))('%s validates once its feature has landed', (name, op) => {
    const landed = rootFields(op).every((f) => hasRootField(schema, op, f));
    if (foundation.includes(name)) expect(landed).toBe(true);
    if (!landed) return; // feature not built yet; its root field is absent from the schema
    expect(validate(schema, { kind: Kind.DOCUMENT, definitions: [op] }).map((e) => e.message)).toEqual([]);
  });
});

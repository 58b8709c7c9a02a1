import type { CodegenConfig } from '@graphql-codegen/cli';

/** Types for every operation in `*.operations.ts`, generated from the API's committed schema (paths from the repository root). */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['src/console/**/*.operations.ts'],
  ignoreNoDocuments: true,
  generates: {
    'src/console/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown', JSONObject: 'Record<string, unknown>' },
      },
    },
  },
};
export default config;

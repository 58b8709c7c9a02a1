import fs from 'node:fs';
import path from 'node:path';
import { Kind, OperationDefinitionNode, parse } from 'graphql';

/** The operations in docs/api.md, by name, exactly as a reader would paste them. */
export function docOperations(): Map<string, string> {
  const md = fs.readFileSync(path.resolve(__dirname, '../docs/api.md'), 'utf8');
  const ops = new Map<string, string>();
  for (const [, block] of md.matchAll(/```graphql\n([\s\S]*?)```/g)) {
    const op = parse(block).definitions[0] as OperationDefinitionNode;
    if (op.kind !== Kind.OPERATION_DEFINITION || !op.name) throw new Error(`docs/api.md has an unnamed block:\n${block}`);
    ops.set(op.name.value, block);
  }
  return ops;
}

/**
 * Documented operations that need trained models, run as written by test/inference.test.ts
 * (which trains them); docs.test.ts runs all the others.
 */
export const RUN_WITH_TRAINED_MODELS = ['Models', 'ModelVersion', 'SetModelAlias', 'CompareModelVersions', 'Recommend', 'Translate', 'Summarize', 'Classify', 'DeleteModelAlias', 'DeleteModelVersion'];

/** Documented OpenAI-provider operations, run as written by test/openai.test.ts and test/openai-finetune.test.ts (against a fake OpenAI server). */
export const RUN_WITH_OPENAI = ['SetOpenAiApiKey', 'OpenAiSettings', 'EvaluateBaseline', 'Baseline', 'Baselines', 'CompareOnDataset', 'LaunchOpenAiRun', 'OpenAiRun', 'TranslateWithOpenAiVersion', 'OpenAiUsage'];

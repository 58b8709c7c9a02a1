import { describe, expect, it } from 'vitest';
import { openAiHyperparameters } from './openai-options';

describe('openAiHyperparameters', () => {
  it('leaves blank and "auto" out, so OpenAI picks, and sends numbers as numbers', () => {
    expect(openAiHyperparameters({ epochs: '3', batchSize: ' auto ', learningRateMultiplier: '' })).toEqual({ epochs: 3 });
    expect(openAiHyperparameters({ learningRateMultiplier: '0.5' })).toEqual({ learningRateMultiplier: 0.5 });
  });

  it('sends text that is not a number as typed, for the server to name beside the field', () => {
    expect(openAiHyperparameters({ epochs: 'three' })).toEqual({ epochs: 'three' });
  });
});

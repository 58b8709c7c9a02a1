import type OpenAI from 'openai';
import { jobSuffix, mapHyperparameters, mapJobStatus, metricPoints, pathTo } from './fine-tuning';

type JobEvent = OpenAI.FineTuning.Jobs.FineTuningJobEvent;
const metrics = (data: Record<string, unknown>): JobEvent => ({ object: 'fine_tuning.job.event', id: 'ftevent-1', created_at: 0, level: 'info', message: '', type: 'metrics', data });

describe('OpenAI fine-tuning rules', () => {
  it('maps OpenAI job statuses onto the run status machine, walking every step in between', () => {
    expect(['validating_files', 'queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => mapJobStatus(s as never))).toEqual(['PROVISIONING', 'PROVISIONING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']);
    expect(pathTo('QUEUED', 'RUNNING')).toEqual(['PROVISIONING', 'RUNNING']);
    expect(pathTo('PROVISIONING', 'SUCCEEDED')).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(pathTo('RUNNING', 'PROVISIONING')).toEqual([]);
    expect(pathTo('QUEUED', 'FAILED')).toEqual(['FAILED']);
  });

  it('maps our hyperparameters to OpenAI\'s, "auto" where not given, and names what it refuses', () => {
    const { hp, problems } = mapHyperparameters({ epochs: 3, learningRateMultiplier: 0.5 });
    expect(problems).toEqual([]);
    expect(hp.supervised).toEqual({ n_epochs: 3, batch_size: 'auto', learning_rate_multiplier: 0.5 });
    expect(hp.seed).toBe(42);
    expect(mapHyperparameters({ epochs: 1.5, batchSize: 'big', dropout: 0.1 }).problems.map((p) => p.field)).toEqual(['epochs', 'batchSize', 'dropout']);
  });

  it('makes a suffix within OpenAI\'s 64 characters from the run id', () => {
    expect(jobSuffix('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe('tf-0f8fad5bd9cb');
  });

  it('turns a metrics event into our series with epochs counted from 0', () => {
    expect(metricPoints(metrics({ step: 4, train_loss: 0.5, valid_loss: 0.7, train_mean_token_accuracy: 0.9, total_steps: 6 }), 3)).toEqual([
      { name: 'loss', split: 'train', step: 4, epoch: 1, value: 0.5 },
      { name: 'loss', split: 'validation', step: 4, epoch: 1, value: 0.7 },
      { name: 'token_accuracy', split: 'train', step: 4, epoch: 1, value: 0.9 },
    ]);
    expect(metricPoints({ ...metrics({ step: 1 }), type: 'message' }, 3)).toEqual([]);
  });
});

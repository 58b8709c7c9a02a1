import { EntityManager } from 'typeorm';
import { Problems } from '../common/errors';
import { Dataset } from '../datasets/dataset.entity';
import { ModelVersion } from '../models/model-version.entity';
import { ProviderRunState, RunProvider, TrainingRun } from './training-run.entity';

/** What a hosted provider decided about a launch: what the run stores. */
export interface HostedLaunch {
  baseModel: string;
  hyperparameters: Record<string, unknown>;
  state: ProviderRunState;
}

export interface HostedLaunchInput {
  tenantId: string;
  task: string;
  dataset: Dataset;
  baseModel: string | null;
  parent: ModelVersion | null;
  hyperparameters: Record<string, unknown>;
  systemPrompt: string | null;
}

/**
 * A provider that trains runs on its own machines (OpenAI fine-tuning). Runs of such a provider
 * never enter the GPU dispatcher's queue: the provider's follower (a poller) submits and follows
 * them. TrainingRunService is the one place that routes a run to the dispatcher or to a provider.
 */
export interface HostedTraining {
  readonly provider: Exclude<RunProvider, 'local'>;
  /** Checks everything the provider needs before anything is uploaded, adding to `problems`. */
  prepareLaunch(m: EntityManager, input: HostedLaunchInput, problems: Problems): Promise<HostedLaunch | null>;
  /** The run is being cancelled (in the cancelling transaction, run row locked): stop the provider's job. */
  cancel(m: EntityManager, run: TrainingRun): Promise<void>;
}

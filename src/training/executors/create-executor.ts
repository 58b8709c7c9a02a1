import path from 'node:path';
import { Logger } from 'pino';
import { Config } from '../../config';
import { Executor } from '../executor';
import { KubernetesExecutor } from './kubernetes.executor';
import { LocalExecutor } from './local.executor';

/** The executor RUN_EXECUTOR names, configured from the environment. */
export async function createExecutor(config: Config, log: Logger): Promise<Executor> {
  if (config.RUN_EXECUTOR === 'kubernetes') {
    return new KubernetesExecutor({
      connection: config.K8S_API_URL ? { server: config.K8S_API_URL, token: config.K8S_TOKEN } : { inCluster: true },
      namespace: config.K8S_NAMESPACE,
      image: config.K8S_TRAINER_IMAGE,
      templateFile: config.K8S_JOB_TEMPLATE,
      log: (message, data) => log.info({ ...data, executor: 'kubernetes' }, message),
    });
  }
  return new LocalExecutor({
    // The compiled entry point, dist/src/main.js (from TypeScript sources under jest: the build's).
    entry: __filename.endsWith('.ts') ? path.resolve(__dirname, '../../../dist/src/main.js') : path.resolve(__dirname, '../../main.js'),
    concurrency: config.LOCAL_EXECUTOR_CONCURRENCY,
    heartbeatSeconds: config.RUN_HEARTBEAT_SECONDS,
  });
}

/**
 * The task registry: one TaskModule per task name. Translation and summarization are
 * filled in by their own files (`tasks/translation.ts`, `tasks/summarization.ts`):
 * uncomment the two marked lines when those modules land.
 */
import { MlError, TASK_NAMES, type AnyTaskModule, type TaskName } from './task';
import { recommendationTask } from './tasks/recommendation';
import { classificationTask } from './tasks/classification';
import { translationTask } from './tasks/translation';
import { summarizationTask } from './tasks/summarization';

const TASKS: Partial<Record<TaskName, AnyTaskModule>> = {
  recommendation: recommendationTask as AnyTaskModule,
  classification: classificationTask as AnyTaskModule,
  translation: translationTask as AnyTaskModule,
  summarization: summarizationTask as AnyTaskModule,
};

export function isTaskName(name: string): name is TaskName {
  return (TASK_NAMES as readonly string[]).includes(name);
}

/** The module of a task; `UNKNOWN_TASK` for a name that is not a task or has no module yet. */
export function getTask(name: string): AnyTaskModule {
  const module = isTaskName(name) ? TASKS[name] : undefined;
  if (!module) {
    throw new MlError('UNKNOWN_TASK', `unknown or unavailable task "${name}" (available: ${availableTasks().join(', ')})`, { field: 'task' });
  }
  return module;
}

export function availableTasks(): TaskName[] {
  return TASK_NAMES.filter((t) => TASKS[t] !== undefined);
}

/**
 * How our text tasks are put to a chat model, in one place: the system prompt per task (a tenant
 * may override it on a run or a baseline), few-shot examples as alternating user/assistant turns,
 * the parsing of answers, and the chat fine-tuning JSONL built from the same messages, so a
 * fine-tuned model is asked exactly the way it was trained.
 */
import type { ClassificationRow, SummarizationRow, TranslationRow } from '../../ml/task';

export type ChatTask = 'translation' | 'summarization' | 'classification';
export type ChatRow = TranslationRow | SummarizationRow | ClassificationRow;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export const DEFAULT_SYSTEM_PROMPTS: Record<ChatTask, string> = {
  translation: 'Translate the text the user sends. Answer with the translation only, without quotes or comments.',
  summarization: 'Summarize the text the user sends in one short sentence. Answer with the summary only.',
  classification: 'Classify the text the user sends. Answer with exactly one label from this list and nothing else.\nLabels: {labels}',
};

/** The system prompt of a task: the tenant's or ours; classification prompts always list the labels. */
export function systemPrompt(task: ChatTask, override: string | null | undefined, labels: readonly string[] = []): string {
  const template = override?.trim() || DEFAULT_SYSTEM_PROMPTS[task];
  if (task !== 'classification') return template;
  const list = labels.join(', ');
  return template.includes('{labels}') ? template.split('{labels}').join(list) : `${template}\nLabels: ${list}`;
}

/** What the model reads and what it should answer, per task. */
export function inputOf(task: ChatTask, row: ChatRow): string {
  if (task === 'translation') return (row as TranslationRow).source;
  if (task === 'summarization') return (row as SummarizationRow).document;
  return (row as ClassificationRow).text;
}

export function answerOf(task: ChatTask, row: ChatRow): string {
  if (task === 'translation') return (row as TranslationRow).target;
  if (task === 'summarization') return (row as SummarizationRow).summary;
  return (row as ClassificationRow).label;
}

/** System prompt, then k examples as user/assistant turns, then the input. */
export function chatMessages(task: ChatTask, system: string, shots: readonly ChatRow[], input: string): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'system', content: system }];
  for (const shot of shots) messages.push({ role: 'user', content: inputOf(task, shot) }, { role: 'assistant', content: answerOf(task, shot) });
  messages.push({ role: 'user', content: input });
  return messages;
}

/**
 * A label from a free-text answer: an exact (case- and space-insensitive) match, else the one
 * label the answer contains as a word; null when none or several match (counted as invalid).
 */
export function parseLabel(answer: string, labels: readonly string[]): string | null {
  const clean = (s: string) => s.trim().toLowerCase().replace(/^["'`]+|["'`.!]+$/g, '').trim();
  const a = clean(answer);
  const exact = labels.find((l) => clean(l) === a);
  if (exact !== undefined) return exact;
  const words = new Set(a.split(/[^\p{L}\p{N}_-]+/u));
  const contained = labels.filter((l) => words.has(clean(l)));
  return contained.length === 1 ? contained[0] : null;
}

/** One line of OpenAI's chat fine-tuning format per row: `{"messages":[system, user, assistant]}`. */
export function toChatJsonl(task: ChatTask, system: string, rows: readonly ChatRow[]): string {
  return rows.map((r) => JSON.stringify({ messages: chatMessages(task, system, [], inputOf(task, r)).concat({ role: 'assistant', content: answerOf(task, r) }) })).join('\n') + (rows.length ? '\n' : '');
}

export interface RowProblem {
  split: string;
  index: number;
  message: string;
}

/**
 * Our own checks before anything is uploaded (OpenAI reports bad rows only after the job starts):
 * empty inputs or answers, and too few examples (OpenAI needs at least 10 training examples).
 */
export function checkFineTuningRows(task: ChatTask, splits: Record<string, readonly ChatRow[]>, minTrain = 10): RowProblem[] {
  const problems: RowProblem[] = [];
  for (const [split, rows] of Object.entries(splits)) {
    rows.forEach((r, index) => {
      if (!inputOf(task, r).trim()) problems.push({ split, index, message: 'the input text is empty' });
      if (!answerOf(task, r).trim()) problems.push({ split, index, message: 'the expected answer is empty' });
    });
  }
  if ((splits.train?.length ?? 0) < minTrain) problems.push({ split: 'train', index: -1, message: `OpenAI fine-tuning needs at least ${minTrain} training examples (got ${splits.train?.length ?? 0})` });
  return problems;
}

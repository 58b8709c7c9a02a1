import OpenAI from 'openai';
import type { ChatMessage } from './chat-prompts';

export interface ChatAnswer {
  content: string;
  promptTokens: number;
  completionTokens: number;
}

/**
 * One chat completion, deterministic as the API allows (temperature 0, a seed). 429 and 5xx are
 * retried by the client (maxRetries, backoff honouring retry-after).
 */
export async function callChat(client: OpenAI, request: { model: string; messages: ChatMessage[]; seed?: number; maxTokens?: number }): Promise<ChatAnswer> {
  const completion = await client.chat.completions.create({
    model: request.model,
    messages: request.messages,
    temperature: 0,
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.maxTokens ? { max_completion_tokens: request.maxTokens } : {}),
  });
  return {
    content: completion.choices[0]?.message?.content ?? '',
    promptTokens: completion.usage?.prompt_tokens ?? 0,
    completionTokens: completion.usage?.completion_tokens ?? 0,
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight; the first failure stops new calls and rejects. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * OpenAI's error as our `{code, message}`: its status and code, its message with any API key
 * masked (OpenAI echoes part of a rejected key), never the request.
 */
export function describeOpenAiError(err: unknown, apiKey?: string): { code: string; message: string } {
  const mask = (s: string) => {
    let out = apiKey ? s.split(apiKey).join('[redacted]') : s;
    out = out.replace(/\bsk-[A-Za-z0-9*_-]+/g, 'sk-[redacted]');
    return out.slice(0, 1000);
  };
  if (err instanceof OpenAI.APIError) {
    const code = err instanceof OpenAI.APIConnectionError ? 'OPENAI_UNREACHABLE' : `OPENAI_${err.status ?? 'ERROR'}`;
    const detail = typeof err.code === 'string' ? ` (${err.code})` : '';
    return { code, message: mask(`OpenAI answered ${err.status ?? 'nothing'}${detail}: ${err.message}`) };
  }
  return { code: 'INTERNAL', message: 'the evaluation failed unexpectedly' };
}

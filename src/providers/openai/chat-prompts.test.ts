import { chatMessages, checkFineTuningRows, parseLabel, systemPrompt, toChatJsonl } from './chat-prompts';

describe('chat prompts', () => {
  it('lists the labels in a classification prompt, the tenant\'s prompt too', () => {
    expect(systemPrompt('classification', null, ['neg', 'pos'])).toContain('Labels: neg, pos');
    expect(systemPrompt('classification', 'Sentiment of a review?', ['neg', 'pos'])).toBe('Sentiment of a review?\nLabels: neg, pos');
    expect(systemPrompt('translation', '  ')).toMatch(/^Translate/);
  });

  it('puts k examples as user/assistant turns between the system prompt and the input', () => {
    const m = chatMessages('translation', 'sys', [{ source: 'a', target: 'A' }, { source: 'b', target: 'B' }], 'c');
    expect(m.map((x) => `${x.role}:${x.content}`)).toEqual(['system:sys', 'user:a', 'assistant:A', 'user:b', 'assistant:B', 'user:c']);
  });

  it('reads a label from an exact or wordy answer, and refuses ambiguous ones', () => {
    expect(parseLabel(' Positive.', ['negative', 'positive'])).toBe('positive');
    expect(parseLabel('The sentiment is negative', ['negative', 'positive'])).toBe('negative');
    expect(parseLabel('negative or positive', ['negative', 'positive'])).toBeNull();
    expect(parseLabel('no idea', ['negative', 'positive'])).toBeNull();
  });

  it('writes chat fine-tuning JSONL with the same messages and catches bad rows before upload', () => {
    const jsonl = toChatJsonl('classification', 'sys', [{ text: 'great', label: 'pos' }]);
    expect(JSON.parse(jsonl.trim())).toEqual({ messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'great' }, { role: 'assistant', content: 'pos' }] });
    const problems = checkFineTuningRows('classification', { train: [{ text: ' ', label: 'pos' }], validation: [] });
    expect(problems.map((p) => p.message)).toEqual(['the input text is empty', 'OpenAI fine-tuning needs at least 10 training examples (got 1)']);
  });
});

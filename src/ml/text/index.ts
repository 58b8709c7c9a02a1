export * from './normalize';
export * from './sentences';
export * from './tokenizer';

import { createRequire } from 'node:module';

// The encodings are big (o200k ~75 MB resident, cl100k ~43 MB): they load on the first count,
// not when the package is imported, so a process that never counts tokens never pays for them.
const require = createRequire(import.meta.url);
type Counter = (text: string) => number;
let o200k: Counter | undefined;
let cl100k: Counter | undefined;
const countO200k: Counter = (text) => {
  o200k ??= (require('gpt-tokenizer/encoding/o200k_base') as { countTokens: Counter }).countTokens;
  return o200k(text);
};
const countCl100k: Counter = (text) => {
  cl100k ??= (require('gpt-tokenizer/encoding/cl100k_base') as { countTokens: Counter }).countTokens;
  return cl100k(text);
};

export interface TokenCount {
  tokens: number;
  encoding: 'o200k_base' | 'cl100k_base' | 'estimate';
  /** False when the model's own tokenizer is not available here (an approximation). */
  exact: boolean;
}

/**
 * Tokens of a text for a model: OpenAI's real encodings (o200k for gpt-4o, o-series, gpt-4.1
 * and later; cl100k for gpt-4 and gpt-3.5), counts identical to tiktoken. Other families get an
 * estimate from o200k, marked as such: their tokenizers are not published as code.
 */
export function countTokens(text: string, model: string): TokenCount {
  const name = model.slice(model.indexOf('/') + 1);
  const openai = model.startsWith('openai/') || model.startsWith('azure/');
  if (openai && /^(gpt-4(?!o)|gpt-3\.5)/.test(name) && !/^gpt-4\.\d/.test(name)) {
    return { tokens: countCl100k(text), encoding: 'cl100k_base', exact: true };
  }
  if (openai) return { tokens: countO200k(text), encoding: 'o200k_base', exact: true };
  return { tokens: countO200k(text), encoding: 'estimate', exact: false };
}

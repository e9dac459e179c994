import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

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

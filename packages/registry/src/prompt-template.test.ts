import { describe, expect, it } from 'vitest';
import { missingVariables, promptVariables, renderMessages } from './prompt-template.ts';

const messages = [
  { role: 'system' as const, content: 'You answer for {{ company }} in {{locale}}.' },
  { role: 'user' as const, content: '{{question}} (customer {{customer.id}}, {{locale}})' },
];

describe('prompt templates', () => {
  it('lists variables once, in order', () => {
    expect(promptVariables(messages)).toEqual(['company', 'locale', 'question', 'customer.id']);
  });

  it('renders every variable', () => {
    const rendered = renderMessages(messages, {
      company: 'Acme',
      locale: 'fr',
      question: 'Refund?',
      'customer.id': 42,
    });
    expect(rendered[1]?.content).toBe('Refund? (customer 42, fr)');
  });

  it('reports every missing variable at once', () => {
    expect(missingVariables(messages, { company: 'Acme' })).toEqual(['locale', 'question', 'customer.id']);
    expect(() => renderMessages(messages, { company: 'Acme' }, 'support-answer@2')).toThrow(
      'support-answer@2 needs {{locale}}, {{question}}, {{customer.id}}',
    );
  });
});

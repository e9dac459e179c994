import { AirlockError } from '@airlock/core';
import { type RiskTier, type Role, riskTiers, roles } from '@airlock/registry';
import type { OptionSpec } from '../command.ts';

/** `--actor`: who is acting (else AIRLOCK_ACTOR, else git user.email). */
export const actorOption: OptionSpec = {
  type: 'string',
  valueName: 'who',
  description: 'who is acting (default: AIRLOCK_ACTOR, else git config user.email)',
};

/** A `--flag <value>` that must be one of a closed list. */
export function oneOf<Value extends string>(flag: string, value: unknown, allowed: readonly Value[]): Value {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as Value;
  throw new AirlockError(
    'INVALID_INPUT',
    value === undefined
      ? `--${flag} is required (one of: ${allowed.join(', ')})`
      : `--${flag}: "${String(value)}" is not one of: ${allowed.join(', ')}`,
  );
}

export const tierOf = (value: unknown): RiskTier => oneOf('tier', value, riskTiers);
export const roleOf = (value: unknown): Role => oneOf('role', value, roles);

/** A required `--flag <text>`. */
export function required(flag: string, value: unknown): string {
  if (typeof value === 'string' && value.trim() !== '') return value;
  throw new AirlockError('INVALID_INPUT', `--${flag} is required`);
}

/** A positive whole number from a `--flag`. */
export function positiveInteger(flag: string, value: unknown): number {
  // Digits only: Number() would also take 0x10, 1e3 and ' 7 '.
  if (typeof value === 'string' && /^\d+$/.test(value) && Number(value) > 0) return Number(value);
  throw new AirlockError(
    'INVALID_INPUT',
    `--${flag}: expected a whole number above 0, got "${String(value)}"`,
  );
}

/** A `--flag <rate>` from 0 to 1 (a share, a threshold). */
export function fraction(flag: string, value: unknown): number {
  const number = typeof value === 'string' && /^\d*\.?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (number >= 0 && number <= 1) return number;
  throw new AirlockError('INVALID_INPUT', `--${flag}: expected a number from 0 to 1, got "${String(value)}"`);
}

import { readYamlFile } from '@airlock/core';
import { z } from 'zod';

/**
 * A rollout policy, in the shape of seed 004's `rollouts/policy-search-v1.yaml`: stages of traffic
 * with a minimum duration and SLOs each, `auto_rollback`, and who to tell. Airlock adds a few
 * optional keys (sample sizes, the built-in triggers' limits, the emergency path), all defaulted,
 * so the seed's file loads as written.
 */

/** SLO keys with a fixed name; `eval_<score>_drift_max` and `eval_<score>_min` are open-ended. */
const fixedSloKeys = [
  'p50_latency_ms_max',
  'p95_latency_ms_max',
  'p99_latency_ms_max',
  'error_rate_max',
  'cost_per_call_usd_max',
  'feedback_negative_rate_max',
  'fairness_locale_delta_max',
] as const;

const scoreSloPattern = /^eval_([a-z][a-z0-9_]*?)_(drift_max|min)$/;

const nonNegative = z.number().nonnegative();

const slosSchema = z.record(z.string(), nonNegative).superRefine((slos, context) => {
  for (const key of Object.keys(slos)) {
    if ((fixedSloKeys as readonly string[]).includes(key) || scoreSloPattern.test(key)) continue;
    context.addIssue({
      code: 'custom',
      path: [key],
      message: `unknown SLO "${key}" (expected one of: ${fixedSloKeys.join(', ')}, eval_<score>_drift_max, eval_<score>_min)`,
    });
  }
  for (const key of ['error_rate_max', 'feedback_negative_rate_max'] as const) {
    const value = slos[key];
    if (value !== undefined && value > 1) {
      context.addIssue({
        code: 'custom',
        path: [key],
        message: `${key} is a rate: expected 0 to 1, got ${value}`,
      });
    }
  }
});

/** Shares in hundredths of a percent: what sticky assignment can represent (10,000 buckets). */
const trafficShare = z
  .number()
  .gt(0)
  .max(100)
  .refine(
    (value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6,
    'expected at most two decimals (0.01% steps)',
  );

const stageSchema = z.strictObject({
  traffic_pct: trafficShare,
  /** Minimum time at this stage before promoting (the last stage has none). */
  duration_min: z.number().nonnegative().optional(),
  slos: slosSchema.optional(),
  /** Requests each arm needs before an SLO can pass (default: the policy's `min_samples`). */
  min_samples: z.int().positive().optional(),
});

const notifySchema = z
  .partialRecord(z.enum(['slack', 'pager', 'email', 'webhook']), z.string().min(1))
  .refine(
    (entry) => Object.keys(entry).length === 1,
    'expected one target per entry, e.g. "- slack: \'#channel\'"',
  );

/** Seed 000's and seed 003's rollback triggers, on in every stage; each limit can be changed. */
const triggersSchema = z.strictObject({
  error_rate_max: z.number().min(0).max(1).default(0.01),
  p99_latency_ms_max: nonNegative.default(5000),
  /** Only checked when the window has faithfulness scores. */
  faithfulness_min: z.number().min(0).max(1).default(0.85),
  smoke_consecutive_failures_max: z.int().nonnegative().default(3),
  /** Canary minute means of `confidence` this many standard errors below the baseline… */
  confidence_sigma: z.number().positive().default(2),
  /** …for this many consecutive minutes. */
  confidence_minutes: z.int().positive().default(5),
});

const emergencySchema = z.strictObject({
  /** Seed 004: straight to 50%. */
  traffic_pct: trafficShare.default(50),
  /** Seed 004: smoke and adversarial suites only. */
  suites: z.array(z.string()).default(['smoke', 'adversarial']),
});

export const rolloutPolicySchema = z
  .strictObject({
    canary_stages: z.array(stageSchema).min(1, 'expected at least one stage'),
    auto_rollback: z.boolean().default(true),
    on_rollback_notify: z.array(notifySchema).default([]),
    /** Requests each arm needs before any SLO can pass (fewer is inconclusive: hold). */
    min_samples: z.int().positive().default(200),
    /** One-sided significance for "worse than the limit or the baseline" (else inconclusive). */
    alpha: z.number().gt(0).lt(0.5).default(0.05),
    /** The eval score per-locale fairness deltas compare (default: groundedness). */
    fairness_score: z.string().default('groundedness'),
    triggers: triggersSchema.default(triggersSchema.parse({})),
    emergency: emergencySchema.default(emergencySchema.parse({})),
  })
  .superRefine((policy, context) => {
    policy.canary_stages.forEach((stage, index) => {
      const previous = policy.canary_stages[index - 1];
      if (previous !== undefined && stage.traffic_pct <= previous.traffic_pct) {
        context.addIssue({
          code: 'custom',
          path: ['canary_stages', index, 'traffic_pct'],
          message: `stages must ramp up: ${stage.traffic_pct}% after ${previous.traffic_pct}%`,
        });
      }
    });
    const last = policy.canary_stages.at(-1);
    if (last !== undefined && last.traffic_pct !== 100) {
      context.addIssue({
        code: 'custom',
        path: ['canary_stages', policy.canary_stages.length - 1, 'traffic_pct'],
        message: 'the last stage must be 100 (a rollout that never reaches everyone never ends)',
      });
    }
  });

export type RolloutPolicy = z.output<typeof rolloutPolicySchema>;
export type RolloutStage = RolloutPolicy['canary_stages'][number];
export type Triggers = RolloutPolicy['triggers'];

/** Reads a policy file; every problem is reported as `file:line:col`. */
export function loadRolloutPolicy(path: string, display: string = path): RolloutPolicy {
  return readYamlFile(path, rolloutPolicySchema, display);
}

/**
 * The emergency path (seed 004): one stage straight at 50% (or the policy's emergency share) with
 * the first stage's SLOs, then 100%; every SLO breach rolls back on the point estimate, without
 * waiting for significance.
 */
export function emergencyPolicy(policy: RolloutPolicy): RolloutPolicy {
  const first = policy.canary_stages[0] as RolloutStage;
  const share = policy.emergency.traffic_pct;
  const stage = { ...first, traffic_pct: share, duration_min: first.duration_min ?? 0 };
  return {
    ...policy,
    auto_rollback: true,
    canary_stages: share === 100 ? [stage] : [stage, { traffic_pct: 100 }],
  };
}

import { z } from 'zod'
import { defineRoute } from './rest-route.js'

const guardSchema = z.object({
  metric: z.string(),
  max: z.number(),
  minSamples: z.number(),
  confidence: z.number().optional().describe('label-based guards: the level of the interval that decides'),
  output: z.string().optional().describe('label-based guards: the model output holding the score or class'),
})

/** A label-based guard's statistical test: both values, the difference, its interval, n and p. */
const labelTestSchema = z.object({
  test: z.string().describe('delong, delong-paired, welch-t, paired-t, two-proportion-z or mcnemar-z'),
  paired: z.boolean(),
  output: z.string().nullable(),
  candidate: z.number().nullable(),
  champion: z.number().nullable(),
  nCandidate: z.number(),
  nChampion: z.number(),
  difference: z.number().nullable().describe('candidate − champion'),
  interval: z.tuple([z.number(), z.number()]).nullable(),
  confidence: z.number(),
  pValue: z.number().nullable().describe('one-sided p of "worse by more than the margin"'),
  pNotWorse: z.number().nullable().describe('one-sided p of "not worse by more than the margin"'),
  note: z.string().optional().describe('why the guard could not decide (e.g. waiting for labels (n/min))'),
})

/** The traffic policy of one deployment revision. */
export const deploymentPolicySchema = z
  .object({
    model: z.string(),
    champion: z.number(),
    strategy: z.enum(['direct', 'blue-green', 'canary', 'ab', 'shadow']),
    candidate: z.number().nullable(),
    steps: z.array(z.number()).describe("the candidate's traffic share (%) at each step"),
    step: z.number(),
    mirror: z.number().describe("share (%) of the champion's requests mirrored to the candidate"),
    sticky: z.union([z.object({ header: z.string() }), z.object({ input: z.string() })]).nullable(),
    intervalMs: z.number(),
    guards: z.array(guardSchema),
    autoPromote: z.boolean(),
    candidateTimeoutMs: z.number(),
    compareRate: z.number(),
    tolerance: z.number(),
    webhooks: z.array(z.string()),
    status: z.enum(['serving', 'progressing', 'paused', 'promoted', 'rolled-back', 'aborted']),
    previous: z.number().nullable(),
  })
  .meta({ id: 'DeploymentPolicy' })

const guardResultSchema = z.object({
  metric: z.string(),
  max: z.number(),
  value: z.number().nullable(),
  samples: z.number(),
  minSamples: z.number(),
  champion: z.number().nullable(),
  outcome: z.enum(['pass', 'fail', 'inconclusive']),
  test: labelTestSchema.optional(),
})

const sideSchema = z.object({
  version: z.number(),
  calls: z.number(),
  errors: z.number(),
  p99Ms: z.number().nullable(),
})

/** One recorded decision with its evidence (null for manual actions). */
export const deploymentDecisionSchema = z
  .object({
    id: z.number(),
    endpoint: z.string(),
    revision: z.number(),
    action: z.string(),
    reason: z.string(),
    evidence: z
      .object({
        guards: z.array(guardResultSchema),
        candidate: sideSchema,
        champion: sideSchema,
        windowMs: z.number(),
      })
      .nullable(),
    actor: z.string(),
    at: z.number(),
  })
  .meta({ id: 'DeploymentDecision' })

/** A deployment: its current revision and policy. */
export const deploymentSchema = z
  .object({
    name: z.string(),
    revision: z.number(),
    policy: deploymentPolicySchema,
    evaluateAt: z.number().nullable(),
    actor: z.string(),
    action: z.string(),
    reason: z.string().nullable(),
    createdAt: z.number(),
  })
  .meta({ id: 'Deployment' })

/** A deployment with the candidate's share and the last decision. */
export const deploymentStatusSchema = deploymentSchema
  .extend({ weight: z.number(), lastDecision: deploymentDecisionSchema.nullable() })
  .meta({ id: 'DeploymentStatus' })

/** The body of `POST /api/deployments/:name`. */
export const createDeploymentSchema = z
  .object({
    model: z.string().optional(),
    champion: z.number().int().optional(),
    candidate: z.number().int().optional(),
    strategy: z.enum(['direct', 'blue-green', 'canary', 'ab', 'shadow']).optional(),
    steps: z.array(z.number()).optional(),
    split: z.record(z.string(), z.number()).optional().describe('A/B weights by version, summing to 100'),
    mirror: z.number().optional(),
    sticky: z.union([z.object({ header: z.string() }), z.object({ input: z.string() })]).optional(),
    intervalMs: z.number().optional(),
    guards: z
      .array(
        z.union([
          z.string(),
          z.object({
            metric: z.string(),
            max: z.number(),
            minSamples: z.number().optional(),
            confidence: z.number().optional(),
            output: z.string().optional(),
          }),
        ]),
      )
      .optional()
      .describe('`metric<=max[@minSamples][,confidence=c][,output=name]` strings or objects'),
    autoPromote: z.boolean().optional(),
    candidateTimeoutMs: z.number().optional(),
    compareRate: z.number().optional(),
    tolerance: z.number().optional(),
    webhooks: z.array(z.string()).optional(),
    reason: z.string().optional(),
  })
  .strict()

const nameParams = z.object({ name: z.string() })
const reasonBody = z.object({ reason: z.string().optional() }).strict()

const action = (verb: string, summary: string) =>
  defineRoute({
    method: 'POST',
    path: `/api/deployments/:name/${verb}`,
    tag: 'deployments',
    summary,
    params: nameParams,
    body: reasonBody,
    response: deploymentSchema,
  })

/** Progressive delivery routes (`/api/deployments…`). */
export const deploymentApi = {
  list: defineRoute({
    method: 'GET',
    path: '/api/deployments',
    tag: 'deployments',
    summary: 'Every deployment with its status',
    response: z.object({ deployments: z.array(deploymentStatusSchema) }),
  }),
  get: defineRoute({
    method: 'GET',
    path: '/api/deployments/:name',
    tag: 'deployments',
    summary: 'A deployment: revision, policy, candidate share and last decision',
    params: nameParams,
    response: deploymentStatusSchema,
  }),
  history: defineRoute({
    method: 'GET',
    path: '/api/deployments/:name/history',
    tag: 'deployments',
    summary: 'Every revision and every decision (with evidence) of a deployment',
    params: nameParams,
    response: z.object({
      revisions: z.array(
        z.object({
          endpoint: z.string(),
          revision: z.number(),
          policy: deploymentPolicySchema,
          action: z.string(),
          actor: z.string(),
          reason: z.string().nullable(),
          createdAt: z.number(),
        }),
      ),
      decisions: z.array(deploymentDecisionSchema),
    }),
  }),
  create: defineRoute({
    method: 'POST',
    path: '/api/deployments/:name',
    tag: 'deployments',
    summary: 'Create a deployment or a new revision of it (serve a champion, or start a rollout)',
    params: nameParams,
    body: createDeploymentSchema,
    status: 201,
    response: deploymentSchema,
  }),
  promote: action('promote', "Promote the running rollout's candidate now (moves the champion alias)"),
  rollback: action(
    'rollback',
    'Roll back now: traffic to the champion (or the previous champion after a promotion)',
  ),
  pause: action('pause', 'Hold the rollout at its step'),
  resume: action('resume', 'Resume a paused rollout'),
  abort: action('abort', 'Stop the rollout without a verdict; traffic to the champion'),
} as const

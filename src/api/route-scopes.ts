import type { Scope } from '../access/index.js'

/** What a route requires: a scope, or nothing (`public`: health, version, the OpenAPI document, the web UI's files). */
export type RouteAccess = Scope | 'public'

interface Rule {
  /** Methods it applies to (`*`: any). */
  methods: readonly string[] | '*'
  /** Matched against the route's path pattern (`/api/runs/:id`). */
  path: RegExp
  access: RouteAccess
}

const READS = ['GET', 'HEAD']
const MLFLOW = '^/(?:api|ajax-api)/2\\.0/mlflow'

/**
 * The route classes, first match wins. A route no rule matches requires `admin`: a new route
 * is closed until it is classified here (the security suite fails on it).
 */
const RULES: readonly Rule[] = [
  { methods: READS, path: /^\/(?:api\/health|health|version|api\/openapi\.json)$/, access: 'public' },
  // Token management is CLI-only today; a future route under /api/tokens is admin.
  { methods: '*', path: /^\/api\/tokens(?:\/|$)/, access: 'admin' },
  // Deployment: aliases and stages decide what serves traffic.
  { methods: ['PUT', 'DELETE'], path: /^\/api\/models\/:name\/aliases\/:alias$/, access: 'deploy' },
  { methods: ['POST', 'DELETE'], path: new RegExp(`${MLFLOW}/registered-models/alias$`), access: 'deploy' },
  { methods: ['POST'], path: new RegExp(`${MLFLOW}/model-versions/transition-stage$`), access: 'deploy' },
  // Progressive delivery: deployment revisions and rollout controls decide what serves traffic.
  {
    methods: ['POST'],
    path: /^\/api\/deployments\/:name(?:\/(?:promote|rollback|pause|resume|abort))?$/,
    access: 'deploy',
  },
  // Reads sent as POST (bodies hold search filters or entity keys).
  { methods: ['POST'], path: /^\/(?:features\/online|get-online-features)$/, access: 'read' },
  { methods: ['POST'], path: /^\/api\/runs\/search$/, access: 'read' },
  {
    methods: ['POST'],
    path: new RegExp(
      `${MLFLOW}/(?:experiments/search|experiments/search-datasets|runs/search|logged-models/search|registered-models/search|model-versions/search|registered-models/get-latest-versions)$`,
    ),
    access: 'read',
  },
  { methods: READS, path: /^\/(?:api|ajax-api|features)(?:\/|$)/, access: 'read' },
  // MLflow's artifact downloads outside its API prefix (its web UI calls them).
  { methods: READS, path: /^\/(?:get-artifact|model-versions\/get-artifact)$/, access: 'read' },
  // Open Inference Protocol v2: liveness and readiness probes are public; model metadata,
  // metrics and inference (a read of the model, like online features) need `read`.
  { methods: READS, path: /^\/v2\/health\/(?:live|ready)$/, access: 'public' },
  { methods: READS, path: /^\/(?:v2|metrics)(?:\/|$)/, access: 'read' },
  { methods: ['POST'], path: /^\/v2\/models\/:name(?:\/versions\/:version)?\/infer$/, access: 'read' },
  { methods: ['POST'], path: /^\/v1\/predict\/:deployment$/, access: 'read' },
  // The web UI's files and client-side routes hold no project data.
  { methods: READS, path: /^\/(?!api\/|ajax-api\/|features\/)/, access: 'public' },
  // Writes by area.
  { methods: '*', path: /^\/api\/(?:models)(?:\/|$)/, access: 'write:registry' },
  {
    methods: '*',
    path: new RegExp(`${MLFLOW}/(?:registered-models|model-versions)/`),
    access: 'write:registry',
  },
  { methods: '*', path: /^\/api\/(?:experiments|runs)(?:\/|$)/, access: 'write:tracking' },
  {
    methods: '*',
    path: new RegExp(`${MLFLOW}/(?:experiments|runs|logged-models|metrics)/`),
    access: 'write:tracking',
  },
  {
    methods: '*',
    path: new RegExp(`${MLFLOW}(?:/logged-models|/upload-artifact)$`),
    access: 'write:tracking',
  },
  { methods: '*', path: /^\/api\/2\.0\/mlflow-artifacts\//, access: 'write:tracking' },
  { methods: '*', path: /^\/features(?:\/|$)/, access: 'write:features' },
  // feast serve's materialization and online-write routes.
  {
    methods: ['POST'],
    path: /^\/(?:materialize(?:-incremental)?|push|write-to-online-store)$/,
    access: 'write:features',
  },
  { methods: '*', path: /^\/api\/data(?:\/|$)/, access: 'write:data' },
  // Pipeline runs write datasets, features and runs: controlling one is a data write.
  { methods: ['POST'], path: /^\/api\/pipeline-runs\/:id\/cancel$/, access: 'write:data' },
  // Delayed labels are ground-truth data joined to the payload log.
  { methods: ['POST'], path: /^\/api\/monitoring\/labels$/, access: 'write:data' },
]

/**
 * What a request to the route `url` (its path pattern, `request.routeOptions.url`) with
 * `method` requires, and whether a rule classified it (`classified: false`: no rule matched,
 * so `admin` — fail closed). A request no route serves (`url` undefined: a 404, a 405 or the
 * web UI's client-side routes) is public: it reaches no handler.
 */
export function routeAccess(
  method: string,
  url: string | undefined,
): { access: RouteAccess; classified: boolean } {
  if (url === undefined) return { access: 'public', classified: true }
  for (const rule of RULES) {
    if ((rule.methods === '*' || rule.methods.includes(method)) && rule.path.test(url)) {
      return { access: rule.access, classified: true }
    }
  }
  return { access: 'admin', classified: false }
}

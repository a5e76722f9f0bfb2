import { lazy, Suspense, useEffect } from 'react'
import { Layout } from './components/Layout.js'
import { Loading, NotFound } from './components/states.js'
import { useLocation } from './lib/router.js'

const Overview = lazy(() => import('./pages/Overview.js'))
const Experiments = lazy(() => import('./pages/Experiments.js'))
const ExperimentRuns = lazy(() => import('./pages/ExperimentRuns.js'))
const RunPage = lazy(() => import('./pages/RunPage.js'))
const ComparePage = lazy(() => import('./pages/ComparePage.js'))
const Models = lazy(() => import('./pages/Models.js'))
const ModelPage = lazy(() => import('./pages/ModelPage.js'))
const ModelVersionPage = lazy(() => import('./pages/ModelVersionPage.js'))
const LineagePage = lazy(() => import('./pages/LineagePage.js'))
const Features = lazy(() => import('./pages/Features.js'))
const FeatureDefinitionPage = lazy(() => import('./pages/FeatureDefinitionPage.js'))
const Datasets = lazy(() => import('./pages/Datasets.js'))
const DatasetPage = lazy(() => import('./pages/DatasetPage.js'))
const CommitPage = lazy(() => import('./pages/CommitPage.js'))
const Deployments = lazy(() => import('./pages/Deployments.js'))
const DeploymentPage = lazy(() => import('./pages/DeploymentPage.js'))
const Pipelines = lazy(() => import('./pages/Pipelines.js'))
const PipelinePage = lazy(() => import('./pages/PipelinePage.js'))
const PipelineRunPage = lazy(() => import('./pages/PipelineRunPage.js'))

/** Picks the page for the hash route; the MLflow routes (`#/experiments/{id}/runs/{run}`…) included. */
function Page({ segments, query }: { segments: string[]; query: URLSearchParams }) {
  const [a, b, c, d, e] = segments
  const n = segments.length
  if (n === 0) return <Overview />
  if (a === 'experiments') {
    if (n === 1) return <Experiments />
    if (n === 2 || (n === 3 && c === 'runs')) return <ExperimentRuns experimentId={b!} query={query} />
    if (n >= 4 && c === 'runs') return <RunPage runId={d!} experimentId={b!} />
  }
  if (a === 'runs' && n >= 2) return <RunPage runId={b!} />
  if (a === 'compare-runs') return <ComparePage query={query} />
  if (a === 'models') {
    if (n === 1) return <Models />
    if (n === 2) return <ModelPage name={b!} />
    if (n === 4 && c === 'versions') return <ModelVersionPage name={b!} version={d!} />
  }
  if (a === 'datasets') {
    if (n === 1) return <Datasets />
    if (n === 2) return <DatasetPage name={b!} query={query} />
    if (n === 4 && c === 'commits') return <CommitPage dataset={b!} commitId={d!} query={query} />
  }
  if (a === 'features') {
    if (n === 1) return <Features />
    if (n === 3 && b === 'views') return <FeatureDefinitionPage kind="feature-view" name={c!} />
    if (n === 3 && (b === 'entity' || b === 'on-demand-feature' || b === 'feature-service')) {
      return <FeatureDefinitionPage kind={b} name={c!} />
    }
  }
  if (a === 'deployments') {
    if (n === 1) return <Deployments />
    if (n === 2) return <DeploymentPage name={b!} />
  }
  if (a === 'pipelines') {
    if (n === 1) return <Pipelines />
    if (n === 2) return <PipelinePage name={b!} />
  }
  if (a === 'pipeline-runs' && n === 2) return <PipelineRunPage runId={b!} />
  if (a === 'commits' && n === 2) return <CommitPage commitId={b!} query={query} />
  if (a === 'lineage')
    return <LineagePage node={n >= 2 ? segments.slice(1).join('/') : undefined} query={query} />
  void e
  return <NotFound what={`The page ${'/' + segments.join('/')}`} />
}

/** The web UI: the layout around the page the hash route names, each page loaded on demand. */
export function App() {
  const location = useLocation()
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll to the top when the page changes
  useEffect(() => {
    window.scrollTo(0, 0)
  }, [location.path])
  return (
    <Layout first={location.segments[0]}>
      <Suspense fallback={<Loading what="the page" />}>
        <Page key={location.path} segments={location.segments} query={location.query} />
      </Suspense>
    </Layout>
  )
}

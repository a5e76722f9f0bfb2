/**
 * Feature definitions of the flights example: the origin airport's and the route's share of
 * departures more than 15 minutes late over the previous hour, day and week, each computed
 * strictly from departures before the event time, so a training row never sees its own label.
 */
import { datasetSource, entity, featureService, featureView, onDemandFeature } from 'strata-ml'

export const airport = entity({
  name: 'airport',
  joinKeys: ['origin'],
  description: 'Origin airport (IATA code)',
})
export const route = entity({
  name: 'route',
  joinKeys: ['origin', 'destination'],
  description: 'Origin → destination',
})

/** Raw departures: one row per flight, `date` is the scheduled departure minute. */
const flights = datasetSource({ dataset: 'flights', ref: 'main', path: 'flights.parquet', timestamp: 'date' })

/**
 * Rolling shares per departure minute. `range between … and current row` includes the current
 * minute; subtracting that minute's own counts leaves [t − w, t): only earlier departures.
 */
const windowSql = (keys: string, prefix: string, windows: [string, string][]) => `
  with per_minute as (
    select ${keys}, date, count(*)::int as n, (count(*) filter (where delay > 15))::int as late
    from source group by ${keys}, date
  )
  select ${keys}, date,
    ${windows
      .map(
        ([name]) => `
    (sum(late) over w_${name} - late) / nullif(sum(n) over w_${name} - n, 0) as ${prefix}late_share_${name},
    (sum(n) over w_${name} - n)::bigint as ${prefix}departures_${name}`,
      )
      .join(',')}
  from per_minute
  window ${windows
    .map(
      ([name, width]) =>
        `w_${name} as (partition by ${keys} order by date range between interval ${width} preceding and current row)`,
    )
    .join(', ')}`

export const airportDelays = featureView({
  name: 'airport_delays',
  entities: [airport],
  source: flights,
  ttl: '7d',
  sql: windowSql('origin', '', [
    ['1h', '1 hour'],
    ['24h', '24 hours'],
    ['7d', '7 days'],
  ]),
  features: {
    late_share_1h: 'float',
    departures_1h: 'int',
    late_share_24h: 'float',
    departures_24h: 'int',
    late_share_7d: 'float',
    departures_7d: 'int',
  },
  description: "Share of the origin airport's departures more than 15 minutes late, before each departure",
})

export const routeDelays = featureView({
  name: 'route_delays',
  entities: [route],
  source: flights,
  ttl: '30d',
  sql: windowSql('origin, destination', 'route_', [
    ['24h', '24 hours'],
    ['7d', '7 days'],
  ]),
  features: {
    route_late_share_24h: 'float',
    route_departures_24h: 'int',
    route_late_share_7d: 'float',
    route_departures_7d: 'int',
  },
  description: "Share of the route's departures more than 15 minutes late, before each departure",
})

/** Computed at request time from the features and the departure hour, identically offline and online. */
export const congestion = onDemandFeature({
  name: 'congestion',
  type: 'float',
  inputs: {
    features: [
      airportDelays.select('late_share_1h', 'late_share_24h'),
      routeDelays.select('route_late_share_7d'),
    ],
    request: { dep_hour: 'int' },
  },
  fn: ({ late_share_1h, late_share_24h, route_late_share_7d, dep_hour }) => {
    const recent = late_share_1h ?? late_share_24h ?? 0
    const evening = dep_hour !== null && dep_hour >= 16 && dep_hour <= 21 ? 1.25 : 1
    return Math.min(1, (0.6 * recent + 0.4 * (route_late_share_7d ?? recent)) * evening)
  },
})

export const delayModel = featureService({
  name: 'delay_model',
  features: [
    airportDelays,
    routeDelays.select('route_late_share_24h', 'route_late_share_7d', 'route_departures_7d'),
    congestion,
  ],
  description: 'Inputs of the "departure delayed by more than 15 minutes" classifier',
})

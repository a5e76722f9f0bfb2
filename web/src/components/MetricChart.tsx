import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

/** One line of a chart: a label and its (step, value) points. */
export interface ChartSeries {
  label: string
  points: readonly { step: number; value: number | string }[]
}

/** Colours that read on light and dark backgrounds. */
export const PALETTE = [
  '#2f7ed8',
  '#e8743b',
  '#19a979',
  '#9a4dcc',
  '#d6455d',
  '#b39c00',
  '#0fa3b1',
  '#7a7a7a',
  '#5c8a00',
  '#c25e96',
]

/** Aligns series on the union of their steps (uPlot's one x array); a missing step is a gap. */
export function alignSeries(series: readonly ChartSeries[]): uPlot.AlignedData {
  const steps = new Set<number>()
  for (const s of series) for (const p of s.points) steps.add(p.step)
  const xs = [...steps].sort((a, b) => a - b)
  const index = new Map(xs.map((x, i) => [x, i]))
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array(xs.length).fill(null)
    for (const p of s.points) {
      const v = typeof p.value === 'number' ? p.value : Number(p.value)
      y[index.get(p.step)!] = Number.isFinite(v) ? v : null
    }
    return y
  })
  return [xs, ...ys]
}

/**
 * A step-metric line chart (uPlot, canvas): many points stay fast, several runs overlay with a
 * legend. Labels are drawn as text by uPlot (never parsed as HTML).
 */
export function MetricChart({
  title,
  series,
  height = 220,
}: {
  title: string
  series: readonly ChartSeries[]
  height?: number
}) {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = host.current
    if (el === null) return
    const css = getComputedStyle(document.documentElement)
    const fg = css.getPropertyValue('--fg-muted').trim() || '#666'
    const grid = css.getPropertyValue('--border').trim() || '#ddd'
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } }
    const plot = new uPlot(
      {
        width: Math.max(240, el.clientWidth),
        height,
        scales: { x: { time: false } },
        axes: [{ ...axis, label: 'step' }, { ...axis }],
        series: [
          { label: 'step' },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: PALETTE[i % PALETTE.length]!,
            width: 1.5,
            spanGaps: true,
            points: { show: s.points.length < 60 },
          })),
        ],
        legend: { live: true },
      },
      alignSeries(series),
      el,
    )
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(240, el.clientWidth), height }))
    resize.observe(el)
    return () => {
      resize.disconnect()
      plot.destroy()
    }
  }, [series, height])
  const count = series.reduce((n, s) => n + s.points.length, 0)
  return (
    <figure className="chart">
      <figcaption>
        {title} <span className="muted">({count.toLocaleString()} points)</span>
      </figcaption>
      <div ref={host} role="img" aria-label={`Line chart of ${title} by step`} />
    </figure>
  )
}

import type { MonitorReport } from '../monitors/monitor-types.js'
import type { ColumnProfile } from '../profile/profile-types.js'

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  )
const fmt = (x: number | null | undefined) =>
  x === null || x === undefined
    ? '—'
    : Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0)
      ? x.toExponential(3)
      : x.toFixed(4)

/** Shares per plotted bar of one column on each side: numeric histograms coarsened to 40 bars, the 20 most frequent categories. */
function bars(
  ref: ColumnProfile,
  cur: ColumnProfile | undefined,
): { labels: string[]; ref: number[]; cur: number[] } {
  if (ref.kind === 'numeric' && ref.histogram !== null) {
    const h = ref.histogram
    const groups = Math.min(40, h.bins)
    const per = Math.ceil(h.bins / groups)
    const coarse = (counts: number[] | undefined) =>
      Array.from({ length: groups }, (_, g) =>
        (counts ?? []).slice(g * per, (g + 1) * per).reduce((a, b) => a + b, 0),
      )
    const r = coarse(h.counts)
    const ch = cur?.kind === 'numeric' ? cur.histogram : null
    const c = coarse(ch?.counts)
    const width = (h.hi - h.lo) / groups
    const labels = r.map((_, g) => fmt(h.lo + g * width))
    const rt = r.reduce((a, b) => a + b, 0) || 1
    const ct = c.reduce((a, b) => a + b, 0) + (ch?.below ?? 0) + (ch?.above ?? 0) || 1
    return { labels, ref: r.map((x) => x / rt), cur: c.map((x) => x / ct) }
  }
  if (ref.kind === 'categorical') {
    const cf = cur?.kind === 'categorical' ? cur.frequencies : {}
    const keys = [...new Set([...Object.keys(ref.frequencies), ...Object.keys(cf)])]
      .sort((a, b) => (ref.frequencies[b] ?? 0) + (cf[b] ?? 0) - ((ref.frequencies[a] ?? 0) + (cf[a] ?? 0)))
      .slice(0, 20)
    const rt = ref.valid || 1
    const ct = (cur?.kind === 'categorical' ? cur.valid : 0) || 1
    return {
      labels: keys,
      ref: keys.map((k) => (ref.frequencies[k] ?? 0) / rt),
      cur: keys.map((k) => (cf[k] ?? 0) / ct),
    }
  }
  return { labels: [], ref: [], cur: [] }
}

function svg(b: { labels: string[]; ref: number[]; cur: number[] }): string {
  const w = 640
  const h = 160
  const n = b.labels.length
  if (n === 0) return '<p>no values</p>'
  const max = Math.max(...b.ref, ...b.cur, 1e-12)
  const slot = w / n
  const rects = b.labels
    .map((label, i) => {
      const rh = ((b.ref[i] as number) / max) * (h - 20)
      const ch = ((b.cur[i] as number) / max) * (h - 20)
      const x = i * slot
      return (
        `<rect x="${x.toFixed(1)}" y="${(h - 20 - rh).toFixed(1)}" width="${(slot * 0.45).toFixed(1)}" height="${rh.toFixed(1)}" fill="#7a8fb3"><title>reference ${esc(label)}: ${(b.ref[i] as number).toFixed(4)}</title></rect>` +
        `<rect x="${(x + slot * 0.45).toFixed(1)}" y="${(h - 20 - ch).toFixed(1)}" width="${(slot * 0.45).toFixed(1)}" height="${ch.toFixed(1)}" fill="#e07b39"><title>window ${esc(label)}: ${(b.cur[i] as number).toFixed(4)}</title></rect>`
      )
    })
    .join('')
  const first = esc(b.labels[0] as string)
  const last = esc(b.labels[n - 1] as string)
  return `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img">${rects}<text x="0" y="${h - 4}" font-size="10">${first}</text><text x="${w}" y="${h - 4}" font-size="10" text-anchor="end">${last}</text></svg>`
}

/**
 * A self-contained HTML report of one monitor window: the verdict, then per column the drift
 * test, score and threshold, the quality checks, and the distribution of the reference (blue)
 * against the window (orange) as an inline SVG — no scripts, no external files.
 */
export function renderHtmlReport(report: MonitorReport): string {
  const r = report.result
  const title = `${r.monitor}: ${new Date(r.windowStart).toISOString()} – ${new Date(r.windowEnd).toISOString()}`
  const sections = Object.entries(report.reference.columns).map(([name, ref]) => {
    const d = report.drift?.columns.find((c) => c.column === name)
    const q = report.quality.filter((x) => x.column === name)
    const cur = report.window?.columns[name]
    const verdict =
      d === undefined
        ? ''
        : `${esc(d.test)} ${d.scoreKind === 'p_value' ? 'p' : 'score'} = ${fmt(d.score)} (threshold ${d.threshold}) — ${d.status !== 'tested' ? esc(d.status) : d.drifted ? '<b class="bad">drift</b>' : 'no drift'}`
    const checks = q
      .map(
        (x) =>
          `<li class="${x.passed ? '' : 'bad'}">${esc(x.check)}: ${(x.value * 100).toFixed(2)}% (≤ ${(x.threshold * 100).toFixed(2)}%)${x.examples === undefined ? '' : ` — ${esc(x.examples.join(', '))}`}</li>`,
      )
      .join('')
    return `<section><h2>${esc(name)} <small>${ref.kind}</small></h2><p>${verdict}</p><ul>${checks}</ul>${svg(bars(ref, cur))}</section>`
  })
  const head = `status <b class="${r.status === 'alert' ? 'bad' : ''}">${r.status}</b> · ${r.rows} rows · model ${esc(r.model)} reference v${r.referenceVersion} · drifted ${r.drifted}/${r.tested} columns${report.drift === null ? '' : ` (share ${report.drift.share.toFixed(3)}, dataset drift at ≥ ${report.drift.driftShare})`} · ${r.qualityFailed} quality checks failed`
  const actions = report.actions
    .map(
      (a) =>
        `<li class="${a.ok ? '' : 'bad'}">${esc(a.kind)} ${esc(a.target)}: ${esc(a.detail)} (${a.attempts} attempt${a.attempts === 1 ? '' : 's'})</li>`,
    )
    .join('')
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>body{font:14px system-ui,sans-serif;margin:2em;max-width:720px}.bad{color:#b00020}section{border-top:1px solid #ddd;padding:.5em 0}small{color:#666}</style></head><body><h1>${esc(title)}</h1><p>${head}</p>${actions === '' ? '' : `<h2>Actions</h2><ul>${actions}</ul>`}<p><span style="color:#7a8fb3">■ reference</span> <span style="color:#e07b39">■ window</span></p>${sections.join('')}</body></html>\n`
}

// Adds lockfile entries for other platforms' optional packages that the registry reachable
// here does not serve (e.g. @duckdb/node-bindings-darwin-arm64, @biomejs/cli-win32-x64).
// Without them `npm ci` refuses the lockfile ("Missing: … from lock file"). Each entry
// carries os/cpu/libc derived from the package name, so npm skips it on non-matching
// platforms and resolves it normally on the platforms that need it.
// Usage: node scripts/fix-lockfile.mjs   (run after every `npm install` that changes the lockfile)
import { readFileSync, writeFileSync } from 'node:fs'

const path = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(path, 'utf8'))
const packages = lock.packages
const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'sunos', 'aix', 'netbsd']
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32']

function platformOf(name) {
  const parts = name.split('/').pop().split('-')
  const os = parts.find((p) => OS.includes(p))
  const cpu = parts.find((p) => CPU.includes(p))
  if (!os || !cpu) return undefined
  const libc = parts.includes('musl')
    ? ['musl']
    : os === 'linux' && parts.includes('gnu')
      ? ['glibc']
      : undefined
  return { os: [os], cpu: [cpu], ...(libc ? { libc } : {}) }
}

let added = 0
for (const [location, entry] of Object.entries(packages)) {
  for (const [dep, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = location === '' ? '' : `${location}/`
    if (packages[`${base}node_modules/${dep}`] || packages[`node_modules/${dep}`]) continue
    const platform = platformOf(dep)
    if (!platform || !/^\d+\.\d+\.\d+[-\w.]*$/.test(spec)) continue
    packages[`node_modules/${dep}`] = { version: spec, optional: true, ...platform }
    added++
  }
}
const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
)
lock.packages = sorted
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`fix-lockfile: added ${added} foreign-platform optional entries`)

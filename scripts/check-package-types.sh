#!/usr/bin/env bash
# Packs the package as `npm publish` would (from the built dist/, without running scripts) and
# checks with arethetypeswrong that every entry point in "exports" resolves to JavaScript and to
# its type declarations for ESM consumers (Node 16+ resolution and bundlers). Strata is ESM-only,
# so CommonJS `require` and the pre-exports node10 resolution are out of scope (--profile esm-only).
# Offline: no @types lookup on the registry.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f dist/index.d.ts ]] || { echo "dist/ is missing: run \`npm run build\` first" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
npm pack --ignore-scripts --silent --pack-destination "$dir" >/dev/null
npx --no-install attw "$dir"/*.tgz --profile esm-only --no-definitely-typed --format table-flipped

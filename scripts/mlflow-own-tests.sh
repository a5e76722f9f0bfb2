#!/usr/bin/env bash
# Runs MLflow's own tracking-server integration tests (its REST, registry and artifact test
# files) unchanged against a real `strata server` and, for comparison, a real `mlflow server`
# from the same venv; only the server fixtures are swapped (test/compat/python/
# mlflow_own_tests_plugin.py). Prints passed/failed/skipped per file for each target.
#
#   scripts/mlflow-own-tests.sh <path to MLflow's tests/ directory> [strata|mlflow|both] [pytest args...]
#
# MLflow's tests are not in its PyPI packages, so they cannot come with this repository or run
# in CI: check out mlflow/mlflow at the tag of the pinned version (v3.17.2) and pass its tests/.
# Needs `npm run build` first; the venv comes from scripts/python-env.sh --mlflow-tests.
set -euo pipefail

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
tests_dir=$(cd "$1" && pwd)
shift
targets=both
if [[ $# -gt 0 && ("$1" == strata || "$1" == mlflow || "$1" == both) ]]; then
  targets=$1
  shift
fi
files=(tracking/test_rest_tracking.py tracking/test_model_registry.py tracking/test_mlflow_artifacts.py)
for f in "${files[@]}"; do
  if [[ ! -f "$tests_dir/$f" ]]; then
    echo "mlflow-own-tests.sh: $tests_dir/$f not found; pass the tests/ directory of an mlflow checkout" >&2
    exit 2
  fi
done
here=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -f "$here/dist/cli/main.js" ]]; then
  echo "mlflow-own-tests.sh: $here/dist is missing; run 'npm run build' first" >&2
  exit 2
fi
python=${STRATA_TEST_PYTHON_MLFLOW_TESTS:-$("$here/scripts/python-env.sh" --mlflow-tests | tail -1)}
export PATH="$(dirname "$python"):$PATH"
export STRATA_BIN="$here/bin/strata.js"
export PYTHONPATH="$(dirname "$tests_dir"):$here/test/compat/python${PYTHONPATH:+:$PYTHONPATH}"
[[ "$targets" == both ]] && run=(mlflow strata) || run=("$targets")
status=0
for target in "${run[@]}"; do
  echo "== MLflow's own tests against $target"
  (cd "$(dirname "$tests_dir")" && MLFLOW_OWN_SUMMARY="${MLFLOW_OWN_SUMMARY_DIR:-/tmp}/mlflow-own-$target.json" \
    "$python" -m pytest -p mlflow_own_tests_plugin --target "$target" -p no:cacheprovider \
    -q -rN --tb=line "${files[@]/#/tests/}" "$@") || status=$?
done
exit $status

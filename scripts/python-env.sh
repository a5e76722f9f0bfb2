#!/usr/bin/env bash
# Creates (or reuses) a Python virtualenv with a pinned MLflow client for the real-client
# compatibility tests (test/compat/) and the logging benchmark (bench/). Prints the venv's
# python path as the last line of stdout, so callers can do:
#
#   export STRATA_TEST_PYTHON=$(scripts/python-env.sh)           # compat tests (light)
#   STRATA_BENCH_PYTHON=$(scripts/python-env.sh --full) ...      # benchmark (needs `mlflow server`)
#
# Profiles:
#   (default) mlflow-skinny + scikit-learn + pandas + onnx + onnxruntime: everything the client needs for tracking,
#             artifacts, registry and `mlflow.sklearn.log_model` / `mlflow.pyfunc.load_model`.
#             The full `mlflow` package adds the server (Flask, SQLAlchemy, alembic, gunicorn,
#             graphene), pyarrow and matplotlib, which the client tests do not use.
#   --full    the full `mlflow` package, for running `mlflow server` in the benchmark.
#   --v2      mlflow-skinny 2.x, to check the 2.x `log_model` path (runs/log-model).
#   --serving tritonclient[http,grpc] + kserve + grpcio + numpy: the stock Triton clients and
#             KServe's InferenceRESTClient/InferenceGRPCClient for the Open Inference Protocol v2
#             tests (test/compat/oip-tritonclient*.test.ts). Both register the `inference.*`
#             protobuf messages, so one process imports one of them, never both.
#   --feast   feast (with `feast serve`) + pandas: Feast's own SDK and server for the Feast
#             differential test (test/compat/feast.test.ts).
#   --monitoring evidently + scipy + pandas: the reference implementation the drift statistics
#             are compared with (test/compat/evidently-drift.test.ts, bench/monitoring).
#   --mlflow-tests the full `mlflow` package + pytest + Pillow: runs MLflow's own tracking-server
#             integration tests against both servers (scripts/mlflow-own-tests.sh).
#   --pipelines-bench prefect 3 + dagster: the peers of the pipeline engine benchmark
#             (bench/pipeline-peers.bench.py); benchmark only, never CI.
#   --mlserver-bench / --kserve-bench  MLServer / KServe's model server with onnxruntime: the
#             peers of bench/serving-peers.bench.ts (their pins conflict, hence two venvs);
#             benchmark only, never CI.
#
# The venv lives under ${STRATA_PYTHON_ENV_DIR:-$HOME/.cache/strata} keyed by a hash of the
# pins, so a re-run with the same pins reuses it, and a change of pins builds a new one.
# Packages come from PyPI through pip; set PYTHON to choose the interpreter (default python3).
set -euo pipefail

MLFLOW_VERSION=3.17.2
MLFLOW_V2_VERSION=2.22.4
SKLEARN_VERSION=1.7.2
PANDAS_VERSION=2.3.3
NUMPY_VERSION=2.3.5
SKOPS_VERSION=0.13.0
ONNX_VERSION=1.23.2
ONNXRUNTIME_VERSION=1.23.2
TRITONCLIENT_VERSION=2.73.0
KSERVE_VERSION=0.21.0
MLSERVER_VERSION=1.7.1
GRPCIO_VERSION=1.85.1
FEAST_VERSION=0.67.0
EVIDENTLY_VERSION=0.7.21
SCIPY_VERSION=1.16.3
PYTEST_VERSION=9.2.0
PREFECT_VERSION=3.9.1
DAGSTER_VERSION=1.13.28

profile=light
for arg in "$@"; do
  case "$arg" in
    --full) profile=full ;;
    --v2) profile=v2 ;;
    --serving) profile=serving ;;
    --feast) profile=feast ;;
    --monitoring) profile=monitoring ;;
    --mlflow-tests) profile=mlflow-tests ;;
    --pipelines-bench) profile=pipelines-bench ;;
    --mlserver-bench) profile=mlserver-bench ;;
    --kserve-bench) profile=kserve-bench ;;
    -h | --help)
      sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "python-env.sh: unknown argument '$arg' (expected --full, --v2, --serving, --feast, --monitoring, --mlflow-tests, --pipelines-bench, --mlserver-bench, --kserve-bench or nothing)" >&2
      exit 2
      ;;
  esac
done

common=("scikit-learn==$SKLEARN_VERSION" "pandas==$PANDAS_VERSION" "numpy==$NUMPY_VERSION" "skops==$SKOPS_VERSION")
case "$profile" in
  # onnx: the ONNX writer's models are also checked with onnx.checker (src/registry/onnx).
  # onnxruntime: `mlflow.pyfunc.load_model` of ONNX versions registered through Strata (their MLmodel).
  light) pins=("mlflow-skinny==$MLFLOW_VERSION" "onnx==$ONNX_VERSION" "onnxruntime==$ONNXRUNTIME_VERSION" "${common[@]}") ;;
  full) pins=("mlflow==$MLFLOW_VERSION" "${common[@]}") ;;
  v2) pins=("mlflow-skinny==$MLFLOW_V2_VERSION" "onnx==$ONNX_VERSION" "onnxruntime==$ONNXRUNTIME_VERSION" "${common[@]}") ;;
  serving) pins=("tritonclient[http,grpc]==$TRITONCLIENT_VERSION" "kserve==$KSERVE_VERSION" "grpcio==$GRPCIO_VERSION" "numpy==$NUMPY_VERSION") ;;
  feast) pins=("feast==$FEAST_VERSION" "pandas==$PANDAS_VERSION") ;;
  monitoring) pins=("evidently==$EVIDENTLY_VERSION" "scipy==$SCIPY_VERSION" "pandas==$PANDAS_VERSION" "numpy==$NUMPY_VERSION") ;;
  mlflow-tests) pins=("mlflow==$MLFLOW_VERSION" "pytest==$PYTEST_VERSION" "${common[@]}") ;;
  pipelines-bench) pins=("prefect==$PREFECT_VERSION" "dagster==$DAGSTER_VERSION") ;;
  # uvloop 0.22 breaks MLServer 1.7.1's inference workers (SeldonIO/MLServer#2286); MLflow pins it too.
  mlserver-bench) pins=("mlserver==$MLSERVER_VERSION" "uvloop==0.21.0" "onnxruntime==$ONNXRUNTIME_VERSION" "numpy==$NUMPY_VERSION") ;;
  kserve-bench) pins=("kserve==$KSERVE_VERSION" "onnxruntime==$ONNXRUNTIME_VERSION" "numpy==$NUMPY_VERSION") ;;
esac

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null; then
  echo "python-env.sh: '$python' not found; install Python 3.10+ or set PYTHON" >&2
  exit 1
fi
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
key=$(printf '%s\n' "$pyver" "${pins[@]}" | sha256sum | cut -c1-12)
root=${STRATA_PYTHON_ENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/strata}
venv="$root/mlflow-$profile-$key"

if [[ -x "$venv/bin/python" && -f "$venv/.complete" ]]; then
  echo "python-env.sh: reusing $venv" >&2
else
  echo "python-env.sh: creating $venv (${pins[*]})" >&2
  rm -rf "$venv"
  mkdir -p "$root"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}" >&2
  # Fail here, not in a test, if the install cannot import what the tests use.
  case "$profile" in
    serving) "$venv/bin/python" -c 'import tritonclient.http, tritonclient.grpc, numpy' >&2
      "$venv/bin/python" -c 'from kserve import InferenceRESTClient, InferenceGRPCClient' >&2 ;;
    feast) "$venv/bin/python" -c 'import feast, pandas' >&2 ;;
    monitoring) "$venv/bin/python" -c 'import evidently, scipy, pandas; from evidently.presets import DataDriftPreset' >&2 ;;
    pipelines-bench) "$venv/bin/python" -c 'import prefect, dagster' >&2 ;;
    mlserver-bench) "$venv/bin/python" -c 'import mlserver, onnxruntime' >&2 ;;
    kserve-bench) "$venv/bin/python" -c 'import kserve, onnxruntime' >&2 ;;
    *) "$venv/bin/python" -c 'import mlflow, mlflow.sklearn, mlflow.pyfunc, sklearn, pandas' >&2 ;;
  esac
  touch "$venv/.complete"
fi
echo "$venv/bin/python"

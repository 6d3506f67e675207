#!/usr/bin/env bash
# ember's GPU tests, as scripts/gpu_check.sh runs them on a lent GPU machine:
#     scripts/gpu_tests.sh cuda|ops [more pytest arguments]
# cuda: tests/ember/cuda (fused kernels, placement, training, memory); ops: every op's cuda cases.
# -m gpu selects the real-GPU cases. --confcutdir keeps pytest below tests/ember: the suite-wide
# tests/conftest.py sets up Django and Redis, which the GPU image does not have (and ember's tests
# never need), and -p no:django turns off pytest-django where the dev tools have it;
# tests/ember/cuda/test_gpu_tests_env.py runs this with those packages unimportable.
set -u
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
suite=${1:?usage: gpu_tests.sh cuda|ops [pytest arguments]}
shift
case $suite in
    cuda) exec "$PY" -m pytest tests/ember/cuda -m gpu -q -p no:cacheprovider -p no:django --confcutdir tests/ember "$@" ;;
    ops) exec "$PY" -m pytest tests/ember -m gpu -q -p no:cacheprovider -p no:django --confcutdir tests/ember \
             --ignore=tests/ember/cuda "$@" ;;
    *) echo "unknown suite $suite (cuda or ops)" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# ember's GPU check (issue 7): ONE run of under 5 minutes on a lent GPU machine (H100 or H200; image with
# PyTorch 2.11 CUDA, cupy-cuda13x 14.2, pytest, pytest-xdist and hypothesis on python3 = /opt/torch/.venv).
#
# The device-tool call, from the repository root (nothing to carry: ember is pure Python and its CUDA
# kernels are compiled there by CuPy's NVRTC on first use):
#
#     run(command="bash scripts/gpu_check.sh", timeout_s=360)
#
# Any kind will do; name none (an H100 is lent first). Timings compare ember with PyTorch in the same process
# on the same card, so they hold for the card the reply names. Steps, each time-boxed so the whole run ends
# in about 270 s even when something is slow:
#   1. the card (nvidia-smi) and the versions                                             (~5 s)
#   2. scripts/gpu_smoke.py: GPU vs CPU, fused vs unfused, conv paths; needs no pytest   (<= 45 s)
#   3. the GPU tests: tests/ember/cuda, then the op suite's cuda cases (pytest -m gpu)    (<= 40 s, <= 140 s:
#      the op suite gets what is left after keeping 105 s for the benchmark; it grew from 2,666 to about 7,400
#      cases on 2026-11-27, which took the fake GPU 4x as long: 8 s then, 32 s now; 12 processes, not 8)
#   4. benchmarks/ember_gpu.py: ember vs PyTorch CUDA, ratios against the issue's targets (<= 80 + 25 s)
#   5. information only: benchmarks/ember_gpu_profile.py --calls for the MLP b128 step       (<= 40 s, if time is left)
#   6. a short table: what passed, then the benchmark table
# Outputs, when $OUT is set (the device tool's folder): gpu_check.log (everything), pytest_cuda.txt,
# pytest_ops.txt, smoke.txt, ember_gpu.json, profile.txt. Exit status: 0 if every step (but the profile) passed.
set -u
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
LOG="$OUT/gpu_check.log"
: > "$LOG"
START=$(date +%s)
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1

say() { echo "$@" | tee -a "$LOG"; }
elapsed() { echo $(( $(date +%s) - START )); }
# run NAME SECONDS FILE CMD...: time-boxed, output to FILE and the log; records NAME's status
declare -A STATUS
step() {
    local name=$1 secs=$2 file=$3; shift 3
    say "== $name (at ${secs}s limit, $(elapsed)s elapsed) =="
    timeout -s INT -k 10 "$secs" "$@" > "$file" 2>&1      # INT: pytest still prints its summary
    local rc=$?
    cat "$file" >> "$LOG"
    grep -v -E "^[.sFEx]+ +\[ *[0-9]+%\]$" "$file" | tail -n 15      # the whole output is in the log
    case $rc in
        0) STATUS[$name]="passed" ;;
        124|137) STATUS[$name]="TIMED OUT after ${secs}s" ;;
        5) STATUS[$name]="no tests collected" ;;
        *) STATUS[$name]="FAILED (exit $rc)" ;;
    esac
}

say "== card and versions =="
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv 2>&1 | tee -a "$LOG"
$PY - <<'EOF' 2>&1 | tee -a "$LOG"
import platform, numpy
print("python", platform.python_version(), "numpy", numpy.__version__)
for name in ("cupy", "torch", "pytest", "xdist", "pytest_timeout", "hypothesis"):
    try:
        mod = __import__(name)
        print(name, getattr(mod, "__version__", "?"))
    except Exception as e:
        print(name, "MISSING", type(e).__name__, e)
import ember
print("ember GPU:", ember.cuda.is_available(), ember.cuda.get_device_name() if ember.cuda.is_available() else "")
EOF

step smoke 45 "$OUT/smoke.txt" $PY scripts/gpu_smoke.py

if $PY -c "import pytest" 2>/dev/null; then
    TIMEOUT_ARGS=$($PY -c "import pytest_timeout" 2>/dev/null && echo "--timeout 60")
    XDIST_ARGS=$($PY -c "import xdist" 2>/dev/null && echo "-n 12")
    # GPU tests proper first (fused kernels, placement, training, memory), then every op's cuda cases against
    # PyTorch (scripts/gpu_tests.sh: -m gpu selects the real-GPU cases, the fake-GPU and CPU cases ran in CI
    # already; it keeps pytest from loading the Django/Redis setup of tests/conftest.py, absent on the image)
    step tests_cuda 40 "$OUT/pytest_cuda.txt" env PYTHON="$PY" bash scripts/gpu_tests.sh cuda $TIMEOUT_ARGS
    OPS_SECS=$(( 290 - 105 - $(elapsed) ))
    [ "$OPS_SECS" -gt 140 ] && OPS_SECS=140
    [ "$OPS_SECS" -lt 20 ] && OPS_SECS=20
    step tests_ops "$OPS_SECS" "$OUT/pytest_ops.txt" env PYTHON="$PY" bash scripts/gpu_tests.sh ops \
        $XDIST_ARGS $TIMEOUT_ARGS
else
    say "pytest is not installed here: the smoke check above is the test step"
    STATUS[tests_cuda]="skipped (no pytest)"
    STATUS[tests_ops]="skipped (no pytest)"
fi

BUDGET=$(( 265 - $(elapsed) ))
[ "$BUDGET" -gt 80 ] && BUDGET=80
[ "$BUDGET" -lt 30 ] && BUDGET=30
step benchmark $(( BUDGET + 25 )) "$OUT/benchmark.txt" $PY benchmarks/ember_gpu.py --budget "$BUDGET" \
    --json "$OUT/ember_gpu.json"
rm -f "$OUT/benchmark.txt"          # it is in the log and in ember_gpu.json

# 5. (information, not pass/fail) where the MLP b128 step's time goes (the target run 7 missed), and single
#    calls' host cost: what the next change to ember's GPU path should be decided on (benchmarks/RESULTS.md)
if [ $(( $(elapsed) + 45 )) -lt 280 ]; then
    say "== profile (information only, at 40s limit, $(elapsed)s elapsed) =="
    timeout -s INT -k 5 40 $PY benchmarks/ember_gpu_profile.py --only mlp128 --rows 12 --calls \
        2>&1 | grep -v USDT > "$OUT/profile.txt"
    sed -n '/host cost per call/,$p' "$OUT/profile.txt" | tee -a "$LOG"
fi

say ""
say "== summary ($(elapsed)s) =="
RC=0
for name in smoke tests_cuda tests_ops benchmark; do
    line=""
    case $name in
        tests_*) line=$(grep -E "[0-9]+ (passed|failed|skipped|errors?)" "$OUT/pytest_${name#tests_}.txt" 2>/dev/null \
                        | tail -n 1) ;;
        smoke) line=$(grep -E "^smoke:" "$OUT/smoke.txt" 2>/dev/null | tail -n 1) ;;
    esac
    if [[ $name == tests_* && ${STATUS[$name]:-} == passed && $line != *passed* ]]; then
        STATUS[$name]="NO GPU CASE RAN"           # all skipped: CuPy or the GPU is not usable here
    fi
    say "$(printf '%-11s %-28s %s' "$name" "${STATUS[$name]:-not run}" "$line")"
    [ "${STATUS[$name]:-}" = "passed" ] || RC=1
done
if [ -f "$OUT/ember_gpu.json" ]; then
    $PY -c "import json, sys; d = json.load(open(sys.argv[1])); print(d['header']); print(d['table'])" \
        "$OUT/ember_gpu.json" | tee -a "$LOG"
fi
exit $RC

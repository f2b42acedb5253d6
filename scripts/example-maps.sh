#!/usr/bin/env bash
# Regenerate the example validity maps of the README (issue 16) from scratch into docs/maps/<name>/.
# Each map runs `lmech map` (quick profile) in a fresh store, writes map.json, phase.png and error.png to
# docs/maps/<name>/ (the HTML, the Parquet and the store are left out: the README links the PNGs, map.json holds
# every number the paragraphs quote).
#
#   bash scripts/example-maps.sh                 # every map, one after another
#   bash scripts/example-maps.sh ntk eos         # only these (names below)
#
# Environment: LMECH_MAP_STORE=DIR reuses a store (a killed run resumes; default: a temp store, removed at the
# end); LMECH_MAP_WORKERS (default 2); NTK_SEEDS (default 2), EOS_SEEDS, LAZY_SEEDS, DEPTH_SEEDS, KOSSON_SEEDS (default 1; NFA_SEEDS default 3: more did not
# fit the time on 2 shared cores). Run ids carry a digest of src/, so any edit there reruns every point.
# The grids are sized to finish in minutes each on a 2-core machine; wall times are printed per map.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
workers=${LMECH_MAP_WORKERS:-2}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lmech-maps.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
store=${LMECH_MAP_STORE:-$tmp/store}

# map NAME STUDY ARGS...: run one map and keep map.json and the two PNGs.
map() {
  local name=$1 study=$2
  shift 2
  local out=$tmp/out-$name dest=$repo/docs/maps/$name t0
  t0=$(date +%s)
  echo "[example-maps] $name: lmech map $study --quick $* --workers $workers"
  nice -n 10 node bin/lmech.js map "$study" --quick "$@" --workers "$workers" --store "$store" --out "$out"
  mkdir -p "$dest"
  cp "$out/map.json" "$out/phase.png" "$out/error.png" "$dest/"
  echo "[example-maps] $name: $(( $(date +%s) - t0 )) s wall; $(du -k "$dest/phase.png" | cut -f1) KB + $(du -k "$dest/error.png" | cut -f1) KB of PNG"
}

# NTK linearization over the largest width × an absolute step size spanning 0.2–2× the predicted catapult step
# 2/λ_max(Θ∞) ≈ 0.042 at the quick profile's 24 training points.
ntk() { map ntk-linearization ntk-linearization --over width=64:1024:5:log --over eta=0.008:0.083:7:log --seeds "${NTK_SEEDS:-2}"; }

# Edge of stability over η₀ × width: the band metric of the smallest step η₀ (median S over 2/η₀, matched by
# position among the three step sizes' metrics); the predicted onset 2/S_flow (one gradient flow per width) is dashed.
eos() { map edge-of-stability edge-of-stability --over eta0=0.02:0.1:6:log --over width=16:64:3:log --metric 'median S / predicted threshold η=0.02' --seeds "${EOS_SEEDS:-1}"; }

# Lazy vs rich over the α judged for the lazy part × width; the predicted crossover α_c does not depend on width.
lazy() { map lazy-vs-rich lazy-vs-rich --over lazyAlpha=0.3,1,3,10,30 --over width=50:200:3:log --seeds "${LAZY_SEEDS:-1}"; }

# μP across depth: the drift of the optimal learning rate over depths, at several widths.
depth() { map depth-mup-transfer depth-mup-transfer --over width=16:128:4:log --over 'depths=[2,3,4],[2,4,8],[2,8,32]' --seeds "${DEPTH_SEEDS:-1}"; }

# The neural feature ansatz's link exponent over the initialization scale × training length: α̂ falls as the init
# grows (≈ 0.65 at 0.2×, ≈ 0.53 at 0.5×, ≈ 0.37 at SP's 1×, quick profile), so AGOP^½ holds only in a band of scales.
nfa() { map neural-feature-ansatz neural-feature-ansatz --over initScale=0.1,0.2,0.5,1,2 --over steps=600,1200 --metric 'exponent α̂ = log(λ₁/λ₂)(W₁ᵀW₁) / log(λ₁/λ₂)(AGOP)' --seeds "${NFA_SEEDS:-3}"; }

# Kosson et al. (2025): μP with AdamW over weight decay λ × training length, with the decay scaled by μP's per-layer
# learning rate (PyTorch's form) and independent of it. The same runs drawn twice, once per slope (μP's, then SP's,
# whose points are cache hits).
kosson() {
  local mode metric
  for mode in false true; do
    for metric in 'μP η* slope (log₂ η* on log₂ n)' 'SP η* slope (log₂ η* on log₂ n)'; do
      map "mup-wd-$([ $mode = true ] && echo independent || echo per-layer)-$([ "${metric:0:1}" = S ] && echo sp || echo mup)" mup-lr-transfer \
        --over weightDecay=0,0.3,1,3,10 --over steps=120,480 --param independentDecay=$mode --metric "$metric" --seeds "${KOSSON_SEEDS:-1}"
    done
  done
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(ntk eos lazy depth kosson nfa)
# every name checked before anything runs (a typo after a long map would waste it)
for n in "${names[@]}"; do
  case $n in
    ntk | eos | lazy | depth | kosson | nfa) ;;
    *) echo "[example-maps] unknown map '$n'; expected one of: ntk eos lazy depth kosson nfa" >&2; exit 2 ;;
  esac
done
for n in "${names[@]}"; do "$n"; done

#!/usr/bin/env bash
# Pack smoke test: the package works as a dependency of a plain Node project.
#   npm pack (prepack builds dist/) -> empty temp project -> npm install <tarball> ->
#   1. the README's library example with plain `node` (an .mjs file, no tsx, no type stripping);
#   2. `npx lmech run dln-saxe-modes --quick` (the installed bin runs dist/cli);
#   3. worker threads from dist: two studies on a 2-thread pool, and a 2-run sweep (its own worker entry).
# Exits non-zero when any step fails. Run by .ci/run after the tests; by hand: `bash scripts/pack-smoke.sh`.
# Environment: LMECH_SMOKE_KEEP=1 keeps the temp folder; LMECH_NATIVE=0 skips the native build in the install.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
t_start=$(date +%s)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lmech-pack-smoke.XXXXXX")
cleanup() { if [ "${LMECH_SMOKE_KEEP:-0}" = 1 ]; then echo "[pack-smoke] kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT
step() { echo "[pack-smoke] $* ($(( $(date +%s) - t_start )) s)"; }
quiet_npm() { grep -v 'Unknown user config "nodedir"' || true; }

step "npm pack (prepack builds dist/)"
npm pack --pack-destination "$tmp" 2>&1 | tail -n 3 | quiet_npm
tarball=$(ls "$tmp"/learning-mechanics-*.tgz)
# The tarball must hold the built library and no TypeScript sources.
listing=$(tar tzf "$tarball")
for f in package/dist/index.js package/dist/index.d.ts package/dist/cli/main.js package/dist/run/worker-entry.mjs package/dist/run/sweep/worker-entry.mjs package/data/digits.csv.gz package/scripts/build-native.mjs; do
  grep -qx "$f" <<<"$listing" || { echo "[pack-smoke] FAIL: $f is not in the tarball"; exit 1; }
done
if grep -q '^package/src/' <<<"$listing"; then echo "[pack-smoke] FAIL: src/ is in the tarball"; exit 1; fi

step "npm install $(basename "$tarball") into an empty project"
mkdir "$tmp/proj"
cd "$tmp/proj"
printf '{ "name": "lmech-pack-smoke", "version": "1.0.0", "private": true }\n' >package.json
npm install --no-audit --no-fund "$tarball" 2>&1 | tail -n 5 | quiet_npm
test -f node_modules/learning-mechanics/dist/index.js || { echo "[pack-smoke] FAIL: npm install did not install the tarball"; exit 1; }

step "README library example with plain node"
cat >example.mjs <<'JS'
import { runStudy } from 'learning-mechanics';
const r = await runStudy('dln-saxe-modes', { profile: 'quick', seed: 0 });
console.log(r.verdict);
if (r.verdict === 'error') process.exit(1);
JS
node example.mjs

step "npx lmech run dln-saxe-modes --quick"
npx --no-install lmech run dln-saxe-modes --quick --store "$tmp/store"

step "worker threads from dist: two studies on a 2-thread pool"
npx --no-install lmech run dln-saxe-modes conservation-laws --quick --workers 2 --store "$tmp/store2" --force

step "sweep worker threads from dist"
cat >tiny.yaml <<'YAML'
name: smoke
model: { kind: mlp, widths: [8, 16], depth: 2, activation: relu }
parameterization: sp
data: { task: teacher, d: 4, n: 32, testN: 32 }
optimizer: { name: sgd, lr: 0.1, batch: 16 }
steps: 20
seeds: { count: 1 }
record: { every: 10, observables: [train_loss, test_loss] }
YAML
npx --no-install lmech sweep tiny.yaml --store "$tmp/store3" --workers 2 --summary "$tmp/runs.csv"
test "$(wc -l <"$tmp/runs.csv")" -ge 3 || { echo "[pack-smoke] FAIL: the sweep summary lacks its 2 runs"; exit 1; }

step "passed"

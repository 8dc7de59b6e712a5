#!/usr/bin/env bash
# A/B of whole `analyze` runs in fresh processes (what a user pays: JIT, first-touch memory):
#   [ARGS='--algorithm dbscan ...'] bench/cli-ab.sh ROUNDS CAPTURE CLI_DIR...
# CLI_DIR: a published CLI (dotnet publish -c Release src/ScanScope.Cli -o DIR, at each commit; a
# Native AOT one as ./scanscope builds it: add --use-current-runtime -p:PublishAot=true).
# Runs `analyze CAPTURE --no-report $ARGS` once per directory per round, alternating, and prints wall
# and CPU seconds and peak RSS (/usr/bin/time) with summary.json's seconds per stage; at the end, per
# directory, the median and the least wall and CPU seconds (one run on a shared VM moves by ±30%).
set -euo pipefail
rounds=$1; capture=$2; shift 2
log=$(mktemp)
for _ in $(seq "$rounds"); do
  for dir in "$@"; do
    out=$(mktemp -d)
    if [ -f "$dir/ScanScope.Cli.dll" ]; then cli=(dotnet "$dir/ScanScope.Cli.dll"); else cli=("$dir/ScanScope.Cli"); fi
    # shellcheck disable=SC2086 # ARGS is a list of options
    /usr/bin/time -f "%e %U %S %M" -o "$out/time" "${cli[@]}" analyze "$capture" --out "$out/result" --no-report ${ARGS:-} > /dev/null 2>&1
    read -r wall user sys rss < "$out/time"
    stages=$(/usr/bin/python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
st = {**j['seconds_per_stage'], **j.get('stage_seconds', {})}
print(' '.join(f'{k}={v:.2f}' for k, v in st.items()))" "$out/result/summary.json")
    echo "$(basename "$dir") wall=$wall cpu=$(/usr/bin/python3 -c "print(round($user+$sys, 2))") rss_mb=$((rss / 1024)) $stages" | tee -a "$log"
    rm -rf "$out"
  done
done
/usr/bin/python3 - "$log" <<'PY'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name = line.split()[0]
    wall, cpu = (float(re.search(rf"\b{k}=([0-9.]+)", line).group(1)) for k in ("wall", "cpu"))
    runs.setdefault(name, []).append((wall, cpu))
for name, r in runs.items():
    walls, cpus = [w for w, _ in r], [c for _, c in r]
    print(f"{name}: wall median {statistics.median(walls):.3f} least {min(walls):.3f}; cpu median {statistics.median(cpus):.3f} least {min(cpus):.3f} ({len(r)} runs)")
PY
rm -f "$log"

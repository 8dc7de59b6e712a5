#!/usr/bin/env bash
# A/B of whole `analyze` runs in fresh processes (what a user pays: JIT, first-touch memory):
#   bench/cli-ab.sh ROUNDS CAPTURE CLI_DIR... 
# CLI_DIR: a published CLI (dotnet publish -c Release src/ScanScope.Cli -o DIR, at each commit).
# Runs `analyze CAPTURE --no-report` once per directory per round, alternating, and prints wall and
# CPU seconds and peak RSS (/usr/bin/time) with summary.json's seconds per stage.
set -euo pipefail
rounds=$1; capture=$2; shift 2
for _ in $(seq "$rounds"); do
  for dir in "$@"; do
    out=$(mktemp -d)
    /usr/bin/time -f "%e %U %S %M" -o "$out/time" dotnet "$dir/ScanScope.Cli.dll" analyze "$capture" --out "$out/result" --no-report > /dev/null 2>&1
    read -r wall user sys rss < "$out/time"
    stages=$(/usr/bin/python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
st = {**j['seconds_per_stage'], **j.get('stage_seconds', {})}
print(' '.join(f'{k}={v:.2f}' for k, v in st.items()))" "$out/result/summary.json")
    echo "$(basename "$dir") wall=$wall cpu=$(/usr/bin/python3 -c "print(round($user+$sys, 2))") rss_mb=$((rss / 1024)) $stages"
    rm -rf "$out"
  done
done

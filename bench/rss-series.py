#!/usr/bin/python3
"""Peak resident memory of a command over time, sampled from /proc each second.

Usage: /usr/bin/python3 bench/rss-series.py [--until-stage STAGE --summary FILE] -- COMMAND...
Prints the wall time, the largest RSS overall and, with --until-stage, the largest RSS while the
run was still inside the first seconds that summary.json's STAGE took (e.g. read_and_fold: the
fold's own peak, which the whole run's peak — later stages — hides), then the series (every 3 s).
"""
import argparse
import json
import subprocess
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--until-stage")
parser.add_argument("--summary")
parser.add_argument("command", nargs=argparse.REMAINDER)
args = parser.parse_args()
command = args.command[1:] if args.command[:1] == ["--"] else args.command
if not command:
    sys.exit("rss-series: no command")

start = time.time()
process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
series = []
while process.poll() is None:
    try:
        with open(f"/proc/{process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS"):
                    series.append((time.time() - start, int(line.split()[1]) // 1024))
    except OSError:
        pass
    time.sleep(1)

wall = time.time() - start
line = f"wall_s={wall:.1f} max_rss_mb={max((r for _, r in series), default=0)}"
if args.until_stage:
    seconds = json.load(open(args.summary))["seconds_per_stage"][args.until_stage]
    line += f" {args.until_stage}_s={seconds:.1f} max_rss_mb_during_{args.until_stage}={max((r for t, r in series if t <= seconds), default=0)}"
print(line)
print(" ".join(f"{t:.0f}:{r}" for t, r in series[::3]))
sys.exit(process.returncode)

#!/usr/bin/env bash
# `make bench`: every benchmark in turn on the bench database, results under bench/results/ (see README).
# Needs PostgreSQL and Redis as in bench/_env.py (BENCH_DATABASE_URL, BENCH_REDIS_URL) and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
OUT=bench/results
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
machine() {
  echo "date: $(date -u +%FT%TZ)"; echo "nproc: $(nproc)"; free -m | sed -n 2p | awk '{print "memory MiB: " $2}'
  grep -m1 'model name' /proc/cpuinfo; psql --version; redis-server --version | cut -d' ' -f1-3
  echo "loadavg: $(cat /proc/loadavg)"; echo "commit: $(git rev-parse --short HEAD)"
}
machine > "$OUT/machine.txt"
# Logs keep only the benchmarks' own lines (the app's JSON log lines go to the .log's .app file).
# BENCH_ONLY="name ..." runs only those benchmarks, e.g. issue 17's figures in one recorded run:
#   BENCH_ONLY="standings_pairs streams notify_picks" make bench
run() {
  local name=$1; shift
  if [ -n "${BENCH_ONLY:-}" ] && [[ " $BENCH_ONLY " != *" $name "* ]]; then return 0; fi
  "$PY" "$@" 2> "$OUT/$name.app.log" | tee "$OUT/$name.log"
}
run rescore bench/rescore.py --sizes "${BENCH_SIZES:-10000,100000,1000000}" --repeat "${BENCH_REPEAT:-3}" --json "$OUT/rescore.json"
run rescore_salary_cap bench/rescore.py --format salary_cap --sizes "${BENCH_SIZES:-10000,100000,1000000}" \
  --repeat "${BENCH_REPEAT:-3}" --json "$OUT/rescore_salary_cap.json"
run explain bench/explain.py > /dev/null
[ -f "$OUT/explain.log" ] && cp "$OUT/explain.log" "$OUT/explain.md"
run standings bench/standings_load.py --duration "${BENCH_SECONDS:-10}" --repeat 2 --json "$OUT/standings.json"
run standings_pairs bench/standings_load.py --repeat 0 --pairs "${BENCH_PAIRS:-6}" --pair-seconds 5 \
  --cached-leagues 300 --uncached-leagues "${BENCH_UNCACHED_LEAGUES:-4000}" --json "$OUT/standings_pairs.json"
run read_path bench/read_path.py --requests 300
run pick_path bench/pick_path.py
run picks bench/picks.py --leagues 2000 --duration "${BENCH_SECONDS:-10}" --connections 32 --json "$OUT/picks.json"
run picks_warm bench/picks.py --leagues 2000 --duration "${BENCH_SECONDS:-10}" --connections 32 --warm 6000 --json "$OUT/picks_warm.json"
run streams bench/streams.py --streams 2000 --rate 20 --duration "${BENCH_SECONDS:-10}" --json "$OUT/streams.json"
run notify_picks bench/notify_picks.py --leagues 1000 --rate 300 --duration "${BENCH_SECONDS:-15}" \
  --json "$OUT/notify_picks.json"
run draft_load bench/draft_load.py --leagues 50 --clients-per-league 4 --duration 60 --json "$OUT/draft_load.json"
echo "loadavg after: $(cat /proc/loadavg)" >> "$OUT/machine.txt"

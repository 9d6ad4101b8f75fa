#!/bin/sh
# CPU time per request of each stack of validation-bench.js (issue 18), read from /proc: the
# steadier measure on a shared machine, where requests/s swing with what else runs. Each stack
# in its own process (as validation-bench.js starts them), wrk with the same 1 KiB POST, the
# process's user+system ticks before and after a run, divided by the requests served.
#
#   npm run build && sh bench/guard/validation-cpu.sh [connections] [seconds] [rounds]
#
# With BASELINE=DIR (another built checkout, with node_modules, or a symlink to one), its guard
# runs beside this one's, interleaved in every round: an A/B of a change on a shared machine.
#
# Linux only (/proc/PID/stat); needs wrk and bc.
set -eu
CONNECTIONS=${1:-32}
SECONDS_PER_RUN=${2:-6}
ROUNDS=${3:-2}
BENCH=dist/bench/guard/validation-bench.js
DIR=$(mktemp -d)
HZ=$(getconf CLK_TCK)
BENCH_MODULE="$(pwd)/$BENCH" node --input-type=module -e '
const { REQUEST } = await import(process.env.BENCH_MODULE);
process.stdout.write(`wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(REQUEST.toString())}\n`);
' > "$DIR/post.lua"
start() { # name, role, argument, extra environment, checkout (default: this one)
  env $4 node "${5:-.}/$BENCH" "$2" "$3" > "$DIR/$1.url" &
  echo $! > "$DIR/$1.pid"
  i=0
  while [ ! -s "$DIR/$1.url" ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
start upstream upstream "" ""
UPSTREAM=$(head -n 1 "$DIR/upstream.url")
start fastify fastify "$UPSTREAM" ""
start plain plain "$UPSTREAM" ""
start guard guard "$UPSTREAM" ""
start guard-off guard "$UPSTREAM" "RAMPART_BENCH_VALIDATION=off"
STACKS="fastify plain guard guard-off"
if [ -n "${BASELINE:-}" ]; then
  start guard-baseline guard "$UPSTREAM" "" "$BASELINE"
  start guard-off-baseline guard "$UPSTREAM" "RAMPART_BENCH_VALIDATION=off" "$BASELINE"
  STACKS="fastify plain guard guard-baseline guard-off guard-off-baseline"
fi
for name in $STACKS; do # warm-up
  wrk -t1 -c"$CONNECTIONS" -d2s -s "$DIR/post.lua" "$(head -n 1 "$DIR/$name.url")/items" > /dev/null
done
echo "| round | stack | requests/s | CPU µs per request | load average (1 min) |"
echo "|---|---|---|---|---|"
round=1
while [ $round -le "$ROUNDS" ]; do
  for name in $STACKS; do
    pid=$(cat "$DIR/$name.pid")
    before=$(ticks "$pid")
    out=$(wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -s "$DIR/post.lua" "$(head -n 1 "$DIR/$name.url")/items")
    after=$(ticks "$pid")
    requests=$(echo "$out" | awk '/requests in/ { print $1 }')
    rate=$(echo "$out" | awk '/Requests\/sec/ { printf "%d", $2 }')
    cpu=$(echo "scale=1; ($after - $before) * 1000000 / $HZ / $requests" | bc)
    echo "| $round | $name | $rate | $cpu | $(cut -d' ' -f1 /proc/loadavg) |"
  done
  round=$((round + 1))
done
for name in upstream $STACKS; do kill "$(cat "$DIR/$name.pid")"; done
wait
rm -rf "$DIR"

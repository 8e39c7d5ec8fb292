#!/usr/bin/env bash
# make demo: start a local sandbox, run the main job against it, stop the sandbox. Offline.
set -uo pipefail
PY=${PY:-.venv/bin/python}
work=$(mktemp -d)
export KRX_SANDBOX_STATE="$work/sandbox.json"
export XDG_CACHE_HOME="$work/cache" XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config"
export KRX_FORMAT=${KRX_FORMAT:-table}
krx() { "$PY" -m kraken_cli "$@"; }
has() { krx "$1" --help >/dev/null 2>&1; }

if ! has sandbox; then
  echo "make demo: the 'krx sandbox' command is not available in this build; nothing to run." >&2
  exit 1
fi
# Not through the krx() function: `&` on a function forks a subshell, and killing that subshell
# would leave the sandbox running.
"$PY" -m kraken_cli sandbox --port 0 --seed 7 --state-file "$KRX_SANDBOX_STATE" >"$work/sandbox.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  grep -q "krx sandbox ready" "$work/sandbox.log" 2>/dev/null && break
  sleep 0.1
done
if ! grep -q "krx sandbox ready" "$work/sandbox.log"; then
  echo "make demo: the sandbox did not start:" >&2; cat "$work/sandbox.log" >&2; exit 1
fi
cat "$work/sandbox.log"
status=0
step() {
  echo; echo "\$ krx --sandbox $*"
  if has "$1"; then krx --sandbox "$@" || status=$?
  else echo "(skipped: 'krx $1' is not available in this build)"; fi
}
step verify
step candles BTCUSDT h1 --days 7
step stream trades BTCUSDT --count 20 --format jsonl
exit $status

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
# Only where it listens: its key and secret (in its log and state file) stay off the screen.
grep -E "^(krx sandbox ready|REST )" "$work/sandbox.log"
status=0
step() {
  echo; echo "\$ krx --sandbox $*"
  if has "$1"; then krx --sandbox "$@" || status=$?
  else echo "(skipped: 'krx $1' is not available in this build)"; fi
}
# Short outputs, so the verify table is still on screen at the end.
step verify
step candles BTCUSDT day --days 7
step stream trades BTCUSDT --count 5 --format jsonl

# krx serve: the Provider API on the sandbox's data, and the platform's example call.
if has serve; then
  export PROVIDER_API_TOKEN="demo-$RANDOM$RANDOM"
  "$PY" -m kraken_cli --sandbox serve --port 0 >"$work/serve.log" 2>&1 &
  serve_pid=$!
  trap 'kill $serve_pid $pid 2>/dev/null; wait $serve_pid $pid 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 1 100); do
    grep -q "ready on" "$work/serve.log" 2>/dev/null && break
    sleep 0.1
  done
  url=$(sed -n 's/.*ready on \([^ ]*\).*/\1/p' "$work/serve.log" | head -n 1)
  if [ -z "$url" ]; then
    echo "make demo: krx serve did not start:" >&2; cat "$work/serve.log" >&2; status=1
  else
    echo; echo "\$ krx --sandbox serve   # $url"
    echo "\$ curl -H 'Authorization: Bearer \$PROVIDER_API_TOKEN' $url/api/candles/kraken/spot/BTCUSDT/h1?days=7"
    "$PY" - "$url" <<'PYEOF' || status=1
import json, os, sys, urllib.request
request = urllib.request.Request(
    sys.argv[1] + "/api/candles/kraken/spot/BTCUSDT/h1?days=7",
    headers={"Authorization": "Bearer " + os.environ["PROVIDER_API_TOKEN"]},
)
candles = json.load(urllib.request.urlopen(request, timeout=60))
print(f"{len(candles)} candles; last: {json.dumps(candles[-1])}")
PYEOF
  fi
fi
exit $status

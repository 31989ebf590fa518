#!/usr/bin/env bash
# Regenerates docs/monitor.png, the monitor on synthetic data: SPY's bars for two weeks
# with a session never fetched (the red gap on the ribbon), and backfill jobs in the jobs
# panel (one running, one finished, one cancelled). Needs the gui extra; runs offscreen.
#
#   bash docs/make_monitor_png.sh [OUT.png]
set -euo pipefail
out="${1:-$(dirname "$0")/monitor.png}"
work="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

unset CHRONOX_REDIS_URL CHRONOX_API_TOKEN CHRONOX_MONITOR_API POLYGON_API_KEY MASSIVE_API_KEY
export CHRONOX_STORE="sqlite:///$work/demo.sqlite3" CHRONOX_SOURCE=synthetic QT_QPA_PLATFORM=offscreen

for symbol in SPY QQQ IWM; do chronox-cli registry add "$symbol" >/dev/null; done
chronox-cli ingest SPY --start 2024-11-18 --end 2024-11-26 >/dev/null  # 27th: the gap
chronox-cli ingest SPY --start 2024-11-29 --end 2024-11-29 >/dev/null  # an early close
chronox-cli ingest QQQ --start 2024-11-25 --end 2024-11-29 >/dev/null

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
api="http://127.0.0.1:$port"
chronox-cli serve --port "$port" >"$work/serve.log" 2>&1 &
server=$!
python3 - "$api" <<'PY'
import sys, time
from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_domain.errors import SourceUnavailable

with ChronoxClient(ChronoxApiConfig(sys.argv[1], connect_timeout=1)) as api:
    for _ in range(300):
        try:
            api.health()
            break
        except SourceUnavailable:
            time.sleep(0.1)
    (done,) = api.backfill(["QQQ"], "2024-11-18", "2024-11-22")
    while api.job(done.id).state in ("queued", "running"):
        time.sleep(0.1)
    (cancelled,) = api.backfill(["IWM"], "2015-01-02", "2019-12-31")
    api.cancel_job(cancelled.id)
    api.backfill(["IWM"], "2020-01-02", "2024-11-15")  # still running in the picture
    time.sleep(1.5)
PY
chronox-cli monitor --api "$api" --symbol SPY --start 2024-11-18 --end 2024-11-29 \
    --screenshot "$out" --size 1600x1000 2> >(grep -v propagateSizeHints >&2)
echo "wrote $out"

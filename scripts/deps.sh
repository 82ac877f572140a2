#!/usr/bin/env bash
# Makes sure PostgreSQL and NATS (with JetStream) answer on their default
# ports, installing Debian's packages and starting the servers when needed,
# and creates the `spot` database; installs Node, npm and Chromium when
# missing and the web app's packages (`npm ci`) when they are not the locked
# ones. Used by `make run` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=127.0.0.1
PGPORT=5432
NATS_PORT=4222
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

say() { printf 'deps: %s\n' "$*"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # port seconds name
  for _ in $(seq 1 "$(( $2 * 10 ))"); do port_open "$1" && return 0; sleep 0.1; done
  say "$3 did not come up on port $1"; return 1
}

nats_bin() {
  for b in /usr/sbin/nats-server /usr/bin/nats-server /usr/local/bin/nats-server; do
    [ -x "$b" ] && { echo "$b"; return; }
  done
  command -v nats-server || true
}

missing=()
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
[ -n "$(nats_bin)" ] || missing+=(nats-server)
# The web app (web/, docs/DASHBOARD.md): Node to build and test it, Debian's
# Chromium for its end-to-end run (playwright-core never downloads a browser).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# promtool checks and unit-tests the alert rules in deploy/prometheus.
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
fresh_pg=0
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  [[ " ${missing[*]} " == *" postgresql "* ]] && fresh_pg=1
fi

if ! port_open "$PGPORT"; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if [ "$fresh_pg" -eq 1 ]; then
    # Local development trusts loopback, as the CI machines do.
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    grep -q '^host all all 127.0.0.1/32 trust' "$hba" || \
      $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  say "starting PostgreSQL $version"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_for "$PGPORT" 30 PostgreSQL
fi

if ! port_open "$NATS_PORT"; then
  say "starting nats-server with JetStream"
  $SUDO mkdir -p /var/lib/nats-server
  $SUDO start-stop-daemon --start --oknodo --background --exec "$(nats_bin)" -- \
    -a 127.0.0.1 -p "$NATS_PORT" -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for "$NATS_PORT" 15 nats-server
fi

# The AWS emulator the backfill tests run against (PyPI: moto[server]).
if ! python3 -c "import moto.server, flask" >/dev/null 2>&1; then
  say "installing the moto AWS emulator"
  python3 -m pip --version >/dev/null 2>&1 || $SUDO apt-get install -y -q python3-pip
  # Debian's own python3 refuses system-wide pip installs (PEP 668): fall back to the user site.
  python3 -m pip install -q 'moto[server]>=5,<6' 2>/dev/null ||
    python3 -m pip install -q --user --break-system-packages 'moto[server]>=5,<6'
fi

# The web app's packages, exactly as locked.
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  say "installing the web app's packages (npm ci)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi

for _ in $(seq 1 50); do pg_isready -h "$PGHOST" -p "$PGPORT" -q && break; sleep 0.2; done
psql -h "$PGHOST" -p "$PGPORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'spot'" | grep -q 1 || {
  say "creating database spot"
  psql -h "$PGHOST" -p "$PGPORT" -U postgres -qc "CREATE DATABASE spot"
}

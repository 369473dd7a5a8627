#!/usr/bin/env bash
# Install or upgrade the kiosk controller on Raspberry Pi OS (Bookworm). Run as root from a
# checkout (or an unpacked release):
#
#   sudo systemd/install.sh
#
# Safe to run again: an upgrade keeps /etc/kiosk and the database (a copy of the database is
# taken first), replaces the software, the units and the udev rules, and restarts the daemons.
#
# Options:
#   --root DIR      install into DIR as if it were / (a throwaway root, an image being
#                   prepared); nothing is started and apt is not used
#   --no-apt        do not install Debian packages
#   --no-start      do not enable or start anything (units and rules are still written)
#   --python PATH   the interpreter the venv is made from (default: python3)
#   --pip-args ARGS extra arguments for pip (e.g. "--no-index --find-links /media/wheels")
set -euo pipefail

ROOT=""
APT=1
START=1
PYTHON=python3
PIP_ARGS=""
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --root) ROOT="$(realpath -m "${2:?--root needs a folder}")"; APT=0; START=0; shift 2 ;;
        --no-apt) APT=0; shift ;;
        --no-start) START=0; shift ;;
        --python) PYTHON="${2:?--python needs a path}"; shift 2 ;;
        --pip-args) PIP_ARGS="${2-}"; shift 2 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"
if [ ! -f "$SOURCE/pyproject.toml" ] || [ ! -d "$SOURCE/kiosk" ]; then
    die "$SOURCE is not a kiosk checkout"
fi

PREFIX="$ROOT/opt/kiosk"
VENV="$PREFIX/venv"
ETC="$ROOT/etc/kiosk"
STATE="$ROOT/var/lib/kiosk"
UNITS="$ROOT/etc/systemd/system"
RULES="$ROOT/etc/udev/rules.d/70-kiosk.rules"
GROUPS_WANTED=(gpio dialout input video render audio lp plugdev)

# -- Debian packages: apt's lgpio, pygame (with KMSDRM) and evdev serve where wheels cannot --
if [ "$APT" -eq 1 ]; then
    say "Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends \
        python3-venv python3-dev gcc python3-lgpio python3-pygame python3-evdev python3-serial \
        espeak-ng fonts-dejavu-core libusb-1.0-0 sqlite3 >/dev/null
fi

# -- the kiosk user and its groups --------------------------------------------------------
shadow=()
[ -n "$ROOT" ] && shadow=(--prefix "$ROOT")
has_group() { grep -q "^$1:" "$ROOT/etc/group"; }
for group in "${GROUPS_WANTED[@]}" kiosk; do
    if ! has_group "$group"; then
        say "group $group"
        groupadd "${shadow[@]}" --system "$group"
    fi
done
if ! grep -q '^kiosk:' "$ROOT/etc/passwd"; then
    say "user kiosk"
    useradd "${shadow[@]}" --system --gid kiosk --home-dir /var/lib/kiosk --no-create-home \
        --shell /usr/sbin/nologin --comment "kiosk controller" kiosk
fi
usermod "${shadow[@]}" --append --groups "$(IFS=,; echo "${GROUPS_WANTED[*]}")" kiosk

# -- the software: a venv that also sees apt's Python packages ------------------------------
mkdir -p "$PREFIX"
if [ ! -x "$VENV/bin/python" ]; then
    say "venv $VENV"
    "$PYTHON" -m venv --system-site-packages "$VENV"
fi
say "installing $(sed -n 's/^version = "\(.*\)"/\1/p' "$SOURCE/pyproject.toml" | head -1) from $SOURCE"
# shellcheck disable=SC2086  # PIP_ARGS is a list of arguments
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade $PIP_ARGS "$SOURCE"
install -m 0644 "$SOURCE/README.md" "$PREFIX/README.md"

# -- configuration: written once, kept on upgrade ------------------------------------------
mkdir -p "$ETC/config.d"
if [ ! -f "$ETC/config.toml" ]; then
    say "configuration $ETC/config.toml (edit it, then: kiosk doctor)"
    install -m 0640 "$SOURCE/config.toml" "$ETC/config.toml"
else
    say "configuration kept: $ETC/config.toml"
fi
install -m 0644 "$SOURCE/config.toml" "$ETC/config.toml.example"
uid="$(grep '^kiosk:' "$ROOT/etc/passwd" | cut -d: -f3)"
gid="$(grep '^kiosk:' "$ROOT/etc/group" | cut -d: -f3)"
chown -R "0:$gid" "$ETC"  # numeric: under --root the names are the root's, not this host's
chmod 0750 "$ETC"

# -- the database folder; a copy of the database before an upgrade migrates it --------------
mkdir -p "$STATE"
if [ -f "$STATE/kiosk.db" ]; then
    backup="$STATE/kiosk.db.before-upgrade"
    say "database kept: $STATE/kiosk.db (copy in $backup)"
    "$VENV/bin/python" - "$STATE/kiosk.db" "$backup" <<'PY'
import sqlite3, sys
source, target = sys.argv[1], sys.argv[2]
with sqlite3.connect(source) as db, sqlite3.connect(target) as copy:
    db.backup(copy)  # a consistent copy even while a daemon writes
PY
fi
chown -R "$uid:$gid" "$STATE"
chmod 0750 "$STATE"

# -- systemd units and udev rules ----------------------------------------------------------
mkdir -p "$UNITS/kiosk-.service.d" "$(dirname "$RULES")"
install -m 0644 "$SOURCE"/systemd/kiosk*.service "$SOURCE/systemd/kiosk.target" "$UNITS/"
install -m 0644 "$SOURCE"/systemd/kiosk-.service.d/*.conf "$UNITS/kiosk-.service.d/"
kiosk=("$VENV/bin/kiosk" --config "$ETC/config.toml")
if "${kiosk[@]}" udev-rules >"$RULES.new"; then
    mv "$RULES.new" "$RULES"
    say "udev rules $RULES"
else
    rm -f "$RULES.new"
    say "udev rules not written: fix the configuration (kiosk config check), then run this again"
fi
mapfile -t wanted < <("${kiosk[@]}" units 2>/dev/null || true)
say "units for this site: ${wanted[*]:-none (fix the configuration first)}"

# -- enable and (re)start -------------------------------------------------------------------
systemctl=(systemctl)
[ -n "$ROOT" ] && systemctl=(systemctl --root "$ROOT")
for unit in kiosk-kiosk kiosk-counter kiosk-display-wall kiosk-display-lookup kiosk-scanner \
        kiosk-sync; do
    if printf '%s\n' "${wanted[@]}" | grep -qx "$unit.service"; then
        "${systemctl[@]}" enable --quiet "$unit.service"
    else  # no longer needed by this configuration (a scanner taken away, say)
        "${systemctl[@]}" disable --quiet "$unit.service" 2>/dev/null || true
    fi
done
"${systemctl[@]}" enable --quiet kiosk.target
if [ "$START" -eq 1 ]; then
    systemctl daemon-reload
    udevadm control --reload
    udevadm trigger --subsystem-match=usb --subsystem-match=usbmisc \
        --subsystem-match=input --subsystem-match=tty || true
    systemctl restart kiosk.target
    say "started: systemctl status kiosk.target; logs: journalctl -u 'kiosk-*' -f"
    "${kiosk[@]}" doctor || say "kiosk doctor found problems: see above"
fi
say "done"

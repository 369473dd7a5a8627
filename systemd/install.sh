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
        --pip-args) PIP_ARGS="${2:?--pip-args needs a value}"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"
if [ ! -f "$SOURCE/pyproject.toml" ] || [ ! -d "$SOURCE/kiosk" ]; then
    die "$SOURCE is not a kiosk checkout"
fi
# The kiosk user is added to the root's own account files: an empty folder has none.
if [ -n "$ROOT" ] && { [ ! -f "$ROOT/etc/passwd" ] || [ ! -f "$ROOT/etc/group" ]; }; then
    die "--root $ROOT must hold a system (at least etc/passwd and etc/group: an unpacked image, a debootstrap or mmdebstrap root); it has no etc/passwd or etc/group"
fi

PREFIX="$ROOT/opt/kiosk"
VENV="$PREFIX/venv"
ETC="$ROOT/etc/kiosk"
STATE="$ROOT/var/lib/kiosk"
UNITS="$ROOT/etc/systemd/system"
RULES="$ROOT/etc/udev/rules.d/70-kiosk.rules"
# The groups the units give the daemons (SupplementaryGroups= of the shared drop-in).
read -ra GROUPS_WANTED <<<"$(sed -n 's/^SupplementaryGroups=//p' \
    "$SOURCE/systemd/kiosk-.service.d/10-kiosk.conf")"

# -- Debian packages: the compiled libraries come from apt, so nothing is built on a Pi -----
# pygame (with KMSDRM), evdev and Pillow (no armv7l wheel on PyPI), PyYAML (python-escpos's;
# no armv7l wheel either) and pyserial; lgpio too where apt has it (Raspberry Pi OS's
# archive: python3-lgpio is not in Debian's), else the venv gets PyPI's wheel (below).
if [ "$APT" -eq 1 ]; then
    say "Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    packages=(python3-venv python3-pygame python3-evdev python3-pil python3-yaml python3-serial
              espeak-ng fonts-dejavu-core libusb-1.0-0 sqlite3)
    if apt-cache show python3-lgpio >/dev/null 2>&1; then
        packages+=(python3-lgpio)
    fi
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
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

STATE_DB="$STATE/kiosk.db"
kiosk=("$VENV/bin/python" -m kiosk --config "$ETC/config.toml")
[ -n "$ROOT" ] && kiosk+=(--db "$STATE_DB")  # the root's database, not this host's

# -- the kept configuration, checked by this release while the daemons still run -------------
# A release may check more than the last one (text rules grow stricter): a config the old
# daemons ran on can make the new ones exit 78. This release's code is run from the checkout
# on the installed venv, so a refused config stops the upgrade before anything is stopped or
# replaced. Where it cannot run so (it needs a package the venv lacks yet), it is checked
# once installed, below.
CHECKED=0
if [ -f "$ETC/config.toml" ] && [ -x "$VENV/bin/python" ]; then
    say "checking $ETC/config.toml with this release before anything is stopped (kiosk config check)"
    errors="$(mktemp)"
    status=0
    PYTHONPATH="$SOURCE" PYTHONDONTWRITEBYTECODE=1 "${kiosk[@]}" config check \
        >/dev/null 2>"$errors" || status=$?
    if [ "$status" -eq 78 ]; then  # EX_CONFIG: each problem on its own line
        cat "$errors" >&2
        rm -f "$errors"
        die "the configuration does not pass this release's check (the lines above): fix it, then run this again; nothing was stopped or changed"
    fi
    rm -f "$errors"
    [ "$status" -eq 0 ] && CHECKED=1
fi

# -- stop the daemons first: nothing runs the new code on the old database before its copy --
STOPPED=0
if [ "$START" -eq 1 ] && systemctl is-active --quiet kiosk.target 2>/dev/null; then
    say "stopping kiosk.target for the upgrade"
    systemctl stop kiosk.target
    STOPPED=1
fi
if [ -f "$STATE_DB" ]; then
    backup="$STATE/kiosk.db.before-upgrade-$(date +%Y%m%d-%H%M%S)"
    say "database kept: $STATE_DB (copy in $backup)"
    "$PYTHON" - "$STATE_DB" "$backup" <<'PY'
import sqlite3, sys
source, target = sys.argv[1], sys.argv[2]
with sqlite3.connect(source) as db, sqlite3.connect(target) as copy:
    db.backup(copy)  # a consistent copy, the WAL's last changes included
PY
    # the three newest copies are kept
    find "$STATE" -maxdepth 1 -name 'kiosk.db.before-upgrade-*' -printf '%f\n' | sort -r \
        | tail -n +4 | while read -r old; do rm -f "$STATE/$old"; done
fi

# -- the software: a venv that also sees apt's Python packages ------------------------------
mkdir -p "$PREFIX"
if [ ! -x "$VENV/bin/python" ]; then
    say "venv $VENV"
    "$PYTHON" -m venv --system-site-packages "$VENV"
fi
say "installing $(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$SOURCE/kiosk/__init__.py" | head -1) from $SOURCE"
# shellcheck disable=SC2086  # PIP_ARGS is a list of arguments
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade $PIP_ARGS "$SOURCE"
# GPIO: gpiozero's lgpio factory. Where apt had no python3-lgpio (Debian's own archive, a
# PC), PyPI's lgpio wheel (arm64, armv7l and x86_64 builds) goes into the venv.
# (Looked for, not imported: importing lgpio leaves its notify pipe in the working folder.)
if ! "$VENV/bin/python" -c 'import importlib.util as u, sys; sys.exit(not u.find_spec("lgpio"))'; then
    say "lgpio: no python3-lgpio on this system (only Raspberry Pi OS's archive has it): the lgpio wheel from PyPI into the venv"
    # shellcheck disable=SC2086  # PIP_ARGS is a list of arguments
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check $PIP_ARGS lgpio \
        || die "lgpio could not be installed from PyPI (the lines above): GPIO needs it; run this again once pip can reach PyPI, or pass --pip-args to a folder of wheels"
fi
install -m 0644 "$SOURCE/README.md" "$PREFIX/README.md"
if [ -n "$ROOT" ]; then
    # The scripts must name the interpreter where it will be once ROOT is /.
    for script in "$VENV"/bin/*; do
        if [ -f "$script" ] && head -c 2 "$script" | grep -q '#!'; then
            sed -i "1s|^#!$ROOT/|#!/|" "$script"
        fi
    done
fi
mkdir -p "$ROOT/usr/local/bin"
ln -sfn /opt/kiosk/venv/bin/kiosk "$ROOT/usr/local/bin/kiosk"

# -- configuration: written once, kept on upgrade ------------------------------------------
mkdir -p "$ETC/config.d"
FIRST=0
if [ ! -f "$ETC/config.toml" ]; then
    say "configuration $ETC/config.toml: the example; edit it for this site, then run this again"
    install -m 0640 "$SOURCE/config.toml" "$ETC/config.toml"
    FIRST=1
else
    say "configuration kept: $ETC/config.toml"
fi
install -m 0644 "$SOURCE/config.toml" "$ETC/config.toml.example"
uid="$(grep '^kiosk:' "$ROOT/etc/passwd" | cut -d: -f3)"
gid="$(grep '^kiosk:' "$ROOT/etc/group" | cut -d: -f3)"
# The daemons read everything here (a password_file, TLS keys) through the kiosk group; the
# owner and the owner's bits stay as the technician set them. Numeric: under --root the
# names are the root's, not this host's.
chgrp -R "$gid" "$ETC"
chmod -R g+rX,o-rwx "$ETC"

# -- the database folder ----------------------------------------------------------------------
mkdir -p "$STATE"
chown -R "$uid:$gid" "$STATE"
chmod 0750 "$STATE"

# -- the kept configuration, checked by the installed release if it could not be before ------
if [ "$FIRST" -eq 0 ] && [ "$CHECKED" -eq 0 ]; then
    say "checking $ETC/config.toml with this release (kiosk config check)"
    if ! "${kiosk[@]}" config check; then
        if [ "$STOPPED" -eq 1 ]; then
            die "the configuration does not pass this release's check (the lines above): units and rules left as they were; kiosk.target is stopped until you fix this and run install.sh again"
        fi
        die "the configuration does not pass this release's check (the lines above): fix it, then run this again; units and rules left as they were, nothing (re)started"
    fi
fi

# -- systemd units and udev rules ----------------------------------------------------------
mkdir -p "$UNITS/kiosk-.service.d" "$(dirname "$RULES")"
install -m 0644 "$SOURCE"/systemd/kiosk*.service "$SOURCE/systemd/kiosk.target" "$UNITS/"
install -m 0644 "$SOURCE"/systemd/kiosk-.service.d/*.conf "$UNITS/kiosk-.service.d/"
if "${kiosk[@]}" udev-rules >"$RULES.new"; then
    mv "$RULES.new" "$RULES"
    say "udev rules $RULES"
else
    rm -f "$RULES.new"
    say "udev rules not written: fix the configuration (kiosk config check), then run this again"
fi
if ! units_list="$("${kiosk[@]}" units 2>&1)"; then
    # Leave what is enabled as it is: a typo must not switch the whole site off.
    die "the configuration is not valid, units left as they were: $units_list"
fi
mapfile -t wanted <<<"$units_list"
say "units for this site: ${wanted[*]}"

# -- enable and (re)start -------------------------------------------------------------------
systemctl=(systemctl)
[ -n "$ROOT" ] && systemctl=(systemctl --root "$ROOT")
for file in "$SOURCE"/systemd/kiosk-*.service; do
    unit="$(basename "$file" .service)"
    if printf '%s\n' "${wanted[@]}" | grep -qx "$unit.service"; then
        "${systemctl[@]}" enable --quiet "$unit.service"
    elif [ "$START" -eq 1 ]; then  # no longer needed (a scanner taken away, say)
        systemctl disable --now --quiet "$unit.service" 2>/dev/null || true
    else
        "${systemctl[@]}" disable --quiet "$unit.service" 2>/dev/null || true
    fi
done
"${systemctl[@]}" enable --quiet kiosk.target
if [ "$START" -eq 1 ] && [ "$FIRST" -eq 1 ]; then
    # The example's pins and broker are not this site's: nothing starts until it is edited.
    systemctl daemon-reload
    say "edit $ETC/config.toml, then run this again to start the daemons"
elif [ "$START" -eq 1 ]; then
    systemctl daemon-reload
    if ! udevadm control --reload 2>/dev/null; then
        say "udev is not running here (a container?): the udev rules apply from the next boot"
    fi
    udevadm trigger --subsystem-match=usb --subsystem-match=usbmisc \
        --subsystem-match=input --subsystem-match=tty 2>/dev/null || true
    systemctl restart kiosk.target
    say "started: systemctl status kiosk.target; logs: journalctl -u 'kiosk-*' -f"
    "${kiosk[@]}" doctor || say "kiosk doctor found problems: see above"
fi
say "done"

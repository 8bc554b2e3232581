#!/bin/sh
# check-security.sh — the unit's systemd-analyze exposure must be 2.0 or lower (skips without systemd-analyze).
unit=$1
command -v systemd-analyze >/dev/null 2>&1 || { echo "systemd-analyze not found: skipped"; exit 77; }
systemd-analyze security --offline=yes --threshold=20 "$unit" | tail -n 1
exec systemd-analyze security --offline=yes --threshold=20 "$unit" >/dev/null

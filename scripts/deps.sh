#!/usr/bin/env bash
# Installs what shoal's tests and example need on a Debian machine: Go must be
# there already (/usr/local/go or on PATH); Python packages come from Debian.
# PostgreSQL, which some tests need, comes from scripts/postgres.sh.
set -euo pipefail

packages=(python3-pytest python3-pytest-xdist python3-pytest-cov python3-pytest-rerunfailures python3-pytest-timeout python3-networkx python3-numpy python3-psycopg2)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

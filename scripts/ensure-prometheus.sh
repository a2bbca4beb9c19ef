#!/usr/bin/env bash
# Makes sure `promtool` and `prometheus` are on PATH (for tests/ops), installing the Debian
# package `prometheus` with apt-get when they are missing. Non-interactive; runs
# `apt-get update` only when the package is not known to apt yet. Needs root (or sudo).
set -euo pipefail

if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-prometheus: promtool/prometheus missing and no apt-get here;" \
       "install Prometheus 2.x so that promtool and prometheus are on PATH" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "ensure-prometheus: need root (or sudo) to apt-get install prometheus" >&2; exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show prometheus >/dev/null 2>&1; then
  $SUDO apt-get update -qq
fi
# The package's post-install may try to start a service; in a container without systemd
# that is a no-op. Nothing is left running by this script.
$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null && command -v prometheus >/dev/null
echo "ensure-prometheus: $(promtool --version 2>&1 | head -1)"

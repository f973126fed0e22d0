#!/usr/bin/env bash
# Installs the Debian packages the test lab (tests/lab/) needs, when missing (as root, via apt).
# Safe to run again. Without root it only says what is missing.
set -euo pipefail

need=()
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
command -v systemd-nspawn >/dev/null 2>&1 || need+=(systemd-container)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || need+=(iproute2)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v sshpass >/dev/null 2>&1 || need+=(sshpass)
command -v dpkg-scanpackages >/dev/null 2>&1 || need+=(dpkg-dev)  # indexes the lab's apt repository

. "$(dirname "$0")/apt-install.sh"
apt_install lab-deps "${need[@]}"

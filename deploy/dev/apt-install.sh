#!/usr/bin/env bash
# Shared by system-deps.sh and lab-deps.sh: `apt_install LABEL PACKAGE...` installs the
# packages as root via apt; without root it only says what is missing.
apt_install() {
  local label=$1; shift
  [ $# -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "$label: missing Debian packages: $* (install them with: sudo apt-get install $*)" >&2
    return 0
  fi
  echo "$label: installing $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$@" >/dev/null
}

#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when missing (as root, via apt).
# Called by `make test`; safe to run again. Without root it only says what is missing.
set -euo pipefail

need=()
have_initdb() { command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
have_initdb || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
# A CJK font, so the console's Chinese renders in the end-to-end screenshots.
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-zenhei)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
# The backup tests run a real sshd of their own on loopback (tests/backup/servers.py); it is not started as a service.
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
# The yum index tests build rpms and read the repodata with real consumers (tests/deployment/test_yum_index.py);
# the product itself needs none of them.
command -v rpmbuild >/dev/null 2>&1 || need+=(rpm)
command -v createrepo_c >/dev/null 2>&1 || need+=(createrepo-c)
command -v dnf >/dev/null 2>&1 || need+=(dnf)
# The offline package builder's tests copy an image from a real registry with skopeo
# (tests/deployment/test_package_fetch.py); the product runs skopeo only where packages are built.
command -v skopeo >/dev/null 2>&1 || need+=(skopeo)
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
# The monitoring proxy tests query a real Prometheus server of their own (tests/observability/prometheus.py).
[ -x /usr/bin/prometheus ] || need+=(prometheus)

. "$(dirname "$0")/apt-install.sh"
apt_install system-deps "${need[@]}"
# The Debian postgresql package starts a cluster of its own; the tests start their own servers.
if [[ " ${need[*]} " == *" postgresql "* ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
  for c in $(ls /etc/postgresql 2>/dev/null); do pg_ctlcluster "$c" main stop 2>/dev/null || true; done
fi
# Likewise openssh-server's own sshd, where the package's scripts started it.
if [[ " ${need[*]} " == *" openssh-server "* ]] && command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now ssh 2>/dev/null || true
fi
# Likewise the docker-registry package starts a registry on :5000; the tests start their own.
if [[ " ${need[*]} " == *" docker-registry "* ]] && command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now docker-registry 2>/dev/null || true
fi
# Likewise the prometheus package starts a server on :9090 (and its node exporter); the tests start their own.
if [[ " ${need[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now prometheus prometheus-node-exporter 2>/dev/null || true
fi

#!/usr/bin/env bash
# Installs the Debian 12 packages sifasuo needs.
#   scripts/deps.sh          to build and run (make run)
#   scripts/deps.sh --test   also to test (make test, .ci/run)
#   scripts/deps.sh --bench  also to benchmark (make bench)
#   scripts/deps.sh --ha     also the failover test (make test-ha: Patroni, etcd)
#   scripts/deps.sh --fuzz   also to fuzz (make fuzz: clang and its libFuzzer runtime)
# As root it runs apt-get; otherwise it prints the one line to run.
set -euo pipefail
PKGS=(
  build-essential pkg-config
  libevent-dev libsqlite3-dev sqlite3 libpq-dev libjansson-dev libssl-dev
  libargon2-dev libxlsxwriter-dev zlib1g-dev libexpat1-dev
)
# Node.js builds the web app; a machine that already has node/npm (from any
# source) keeps them.
command -v node >/dev/null || PKGS+=(nodejs)
command -v npm >/dev/null || PKGS+=(npm)
case "${1:-}" in
  --test) PKGS+=(postgresql-15 postgresql-client-15 python3 chromium fonts-noto-cjk clang procps
          libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils) ;;
  --bench) PKGS+=(postgresql-15 postgresql-client-15 python3 nginx-light wrk valgrind) ;;
  --ha) PKGS+=(postgresql-15 postgresql-client-15 python3 patroni etcd-server curl) ;;
  --fuzz) PKGS+=(clang libclang-rt-14-dev) ;;
esac
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "安装缺少的软件包: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "缺少软件包, 请以 root 运行:"
  echo "  sudo apt-get install -y ${missing[*]}"
  exit 1
fi

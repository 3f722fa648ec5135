#!/bin/sh
# Installs the Debian 12 packages embedstream builds and tests with, only those missing.
# clang and libclang-rt-14-dev (libFuzzer's runtime): `make test-fuzz` builds the fuzz targets;
# clang-format: `make format` and the lint/format test.
# libssl-dev: tokens' SHA-256 and TLS diagnosis; openssl and curl: the TLS tests' certificates and HTTPS calls.
set -eu
PKGS="build-essential cmake pkg-config libgrpc-dev protobuf-c-compiler libprotobuf-c-dev
libsqlite3-dev sqlite3 libpq-dev libmicrohttpd-dev python3-grpcio python3-grpc-tools
postgresql-15 postgresql-client-15 python3-pandas python3-numpy chromium
help2man man-db dpkg-dev lintian clang libclang-rt-14-dev python3-h2 zlib1g-dev
libssl-dev openssl curl clang-format libsnappy-dev libzstd-dev liblz4-dev libbrotli-dev libisal-dev
zstd nginx"
# node and npm fetch PGlite (pgvector) for tests/integration/test_pgvector.py and the Parquet
# writers for test_parquet.py. A node that brings its own npm (NodeSource's nodejs, which
# conflicts with Debian's npm) is kept as it is.
if ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  PKGS="$PKGS nodejs npm"
fi
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing

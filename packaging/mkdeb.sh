#!/bin/sh
# mkdeb.sh - builds BUILD/embedstream_VERSION_ARCH.deb from a staging install of BUILD (what
# `make deb` runs), the way debhelper would lay it out, with dpkg-deb and no source package.
# usage: mkdeb.sh BUILD VERSION
set -eu
build=$(cd "$1" && pwd)
version=$2
pkg=$(cd "$(dirname "$0")" && pwd)
arch=$(dpkg --print-architecture)
work=$build/deb
root=$work/debian/embedstream # dpkg-shlibdeps wants the files under debian/PACKAGE
out=$build/embedstream_${version}_${arch}.deb

# The changelog's newest entry is the package's version: a bump without an entry stops here.
top=$(dpkg-parsechangelog -l "$pkg/changelog" -S Version)
if [ "$top" != "$version" ]; then
  echo "mkdeb: packaging/changelog's newest entry is $top, the project is $version: add an entry" >&2
  exit 1
fi
maintainer=$(dpkg-parsechangelog -l "$pkg/changelog" -S Maintainer)

rm -rf "$work" "$out"
mkdir -p "$root/DEBIAN"
# Component "Unspecified" (every rule of ours) writes install_manifest_Unspecified.txt, so the
# manifest `make uninstall` reads stays the one of the last `make install`.
DESTDIR=$root cmake --install "$build" --prefix /usr --component Unspecified >/dev/null

# Units go where Debian 12's debhelper and systemd.pc (systemdsystemunitdir) put them. No init.d
# scripts: the units rely on DynamicUser= and sandboxing sysvinit has no equivalent of (lintian's
# informational package-supports-alternative-init-but-no-init.d-script says so, and only that).
mkdir -p "$root/lib/systemd"
mv "$root/usr/lib/systemd/system" "$root/lib/systemd/system"
rmdir "$root/usr/lib/systemd" "$root/usr/lib"

# What dh_strip, dh_installman, dh_installchangelogs and dh_installdocs would do.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/embedstream"
gzip -9n "$root/usr/share/man/man1/embedstream.1"
mkdir -p "$root/usr/share/doc/embedstream"
cp "$pkg/copyright" "$root/usr/share/doc/embedstream/copyright"
gzip -9nc "$pkg/changelog" >"$root/usr/share/doc/embedstream/changelog.gz"
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +
chmod 0755 "$root/usr/bin/embedstream"

# Depends: the packages of the shared libraries the binary links, with the versions their
# symbols need (libgrpc29, libpq5, ...), as dh_shlibdeps finds them.
mkdir -p "$work/debian"
printf 'Source: embedstream\n\nPackage: embedstream\nArchitecture: any\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O "$root/usr/bin/embedstream" | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

echo /etc/default/embedstream >"$root/DEBIAN/conffiles"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort |
  xargs md5sum) >"$root/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: embedstream
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Section: net
Priority: optional
Description: stream embedding rows into a vector store over gRPC
 embedstream moves embedding rows from data files (CSV, JSONL, pandas pickles)
 into a vector store over gRPC client streaming. One binary holds the
 ingestion server (SQLite or PostgreSQL with pgvector), the streaming client,
 an HTTP trigger API with a status page, a synthetic data generator and a
 stats reader.
 .
 The package ships systemd units for the server (embedstream.service) and the
 HTTP API (embedstream-api.service), both disabled until enabled, configured
 in /etc/default/embedstream.
EOF
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "mkdeb: $out"

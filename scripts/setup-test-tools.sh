#!/usr/bin/env bash
# Test-time tools that are not Python packages: Debian's Chromium for the browser tests, and Debian's PgBouncer
# for the transaction-mode pooling test (tests/contract/test_pooling.py skips, saying why, without it).
# Installed when missing and we may (root with apt); otherwise the browser tests skip and say why.
set -u
# fonts-noto-cjk: the Chinese pages in screenshots need a CJK font.
missing=""
[ -x /usr/bin/chromium ] || missing="chromium"
[ -d /usr/share/fonts/opentype/noto ] || missing="$missing fonts-noto-cjk"
[ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || missing="$missing pgbouncer"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's$missing for the browser and pooling tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null) \
      || echo "could not install$missing: browser or pooling tests may be skipped"
  else
    echo "missing$missing and no root to install it: browser or pooling tests will be skipped"
  fi
fi
# pango and the CJK fonts of the documents (also run by `make install`)
"$(dirname "$0")/setup-documents.sh"
exit 0

#!/usr/bin/env bash
# Test-time tools that are not Python packages: Debian's Chromium for the browser tests.
# Installed when missing and we may (root with apt); otherwise the browser tests skip and say why.
set -u
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "could not install chromium: browser tests will be skipped"
  else
    echo "no /usr/bin/chromium and no root to install it: browser tests will be skipped"
  fi
fi
exit 0

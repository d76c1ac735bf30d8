#!/usr/bin/env bash
# What issuing documents needs outside Python: Debian's pango (WeasyPrint typesets with it) and the Noto CJK
# fonts (Chinese text in the PDFs). Installed when missing and we may (root with apt); otherwise says what
# is missing: Dueflow still runs, but issuing a document fails until they are there.
set -u
missing=""
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing="libpango-1.0-0"
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' || missing="$missing libpangoft2-1.0-0"
[ -d /usr/share/fonts/opentype/noto ] || missing="$missing fonts-noto-cjk"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's$missing for documents..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null) \
      || echo "could not install$missing: documents cannot be rendered to PDF"
  else
    echo "missing$missing and no root to install it: documents cannot be rendered to PDF"
  fi
fi
exit 0

#!/usr/bin/env bash
# Update the translation catalogues from the code, then compile them.
#   scripts/messages.sh            every catalogue
#   scripts/messages.sh main       only the shared one (src/sapa/locale)
#   scripts/messages.sh <app>...   only those apps' own catalogues (src/sapa/<app>/locale)
# Apps with a locale/ folder of their own keep their strings there (docs/decisions.md,
# "Translations per app"); every other string lives in src/sapa/locale.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SAPA="$ROOT/.venv/bin/sapa"
export SAPA_DATA_DIR="${SAPA_DATA_DIR:-$(mktemp -d)}"
cd "$ROOT/src/sapa"
own=()
for dir in */locale; do own+=("${dir%/locale}"); done
# Catalogues carry no source line numbers and no creation date, so that two branches that
# each add strings merge without conflicts in lines nobody wrote.
strip_dates() { find "$1" -name django.po -exec sed -i '/^"POT-Creation-Date:/d' {} +; }
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(main "${own[@]}")
for target in "${targets[@]}"; do
  if [ "$target" = main ]; then
    ignores=(--ignore='static/sapa/vendor/*')
    for app in "${own[@]}"; do ignores+=(--ignore="$app/*"); done
    "$SAPA" makemessages -l id -l en --no-obsolete --no-location "${ignores[@]}"
    strip_dates locale
    "$SAPA" compilemessages
  else
    (cd "$target" && "$SAPA" makemessages -l id -l en --no-obsolete --no-location && strip_dates locale && "$SAPA" compilemessages)
  fi
done

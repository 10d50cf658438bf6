#!/usr/bin/env bash
# Installs Portkey's open-source gateway (npm @portkey-ai/gateway) for the
# overhead benchmark, outside the repository. Prints the path of its
# start-server.js on the last line.
#   bench/overhead/setup_portkey.sh [VERSION]   (default 1.15.2, the version measured)
set -euo pipefail
version="${1:-1.15.2}"
dir="${PORTKEY_DIR:-$HOME/.cache/perimeter/portkey}"
command -v node >/dev/null || { echo "node is missing: apt-get install nodejs npm" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm is missing: apt-get install npm" >&2; exit 1; }
server="$dir/node_modules/@portkey-ai/gateway/build/start-server.js"
installed="$(node -p "require('$dir/node_modules/@portkey-ai/gateway/package.json').version" 2>/dev/null || true)"
if [[ "$installed" != "$version" ]]; then
  mkdir -p "$dir"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error "@portkey-ai/gateway@$version" >&2)
fi
[[ -f "$server" ]] || { echo "npm install did not produce $server" >&2; exit 1; }
echo "$server"

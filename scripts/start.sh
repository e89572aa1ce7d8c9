#!/usr/bin/env bash
# The main job in one command: install what is missing, build, start the local helper, and open Berth in
# VS Code (the desktop `code` when there is one, otherwise code-server on 127.0.0.1, whose URL is printed).
#   sudo bash scripts/start.sh [FOLDER]
# Environment: BERTH_PORT (code-server's port, default 8080), BERTH_SOCKET, BERTH_ROOT.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
folder=$(readlink -f "${1:-$repo}")
socket=${BERTH_SOCKET:-/run/berth/berth.sock}
root=${BERTH_ROOT:-/var/lib/berth}
port=${BERTH_PORT:-8080}

if [ "$(id -u)" != 0 ]; then
  exec sudo --preserve-env=BERTH_PORT,BERTH_SOCKET,BERTH_ROOT bash "$0" "$@"
fi

bash scripts/install-deps.sh
npm run --silent package >/dev/null

# The helper keeps running after this script ends; a second start finds it serving and leaves it be.
mkdir -p /var/log/berth
log=/var/log/berth/daemon.log
socket_answers() {
  node -e "require('net').connect(process.argv[1]).on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))" "$socket"
}
if socket_answers; then
  echo "Berth helper: already serving $socket"
else
  setsid nohup helper/bin/berth daemon --socket "$socket" --root "$root" >>"$log" 2>&1 </dev/null &
  for _ in $(seq 50); do
    socket_answers && break
    sleep 0.2
  done
  socket_answers || { echo "Berth helper failed to start; see $log:" >&2; tail -5 "$log" >&2; exit 1; }
  echo "Berth helper: serving $socket (log: $log)"
fi

if command -v code >/dev/null 2>&1; then
  code --install-extension dist/berth.vsix --force >/dev/null
  code --setting "berth.local.socketPath=$socket" "$folder" 2>/dev/null || code "$folder"
  echo "Berth: opened $folder in VS Code"
  exit 0
fi

# code-server as root on 127.0.0.1: password-protected, since it gives a root shell to whoever reaches it.
code_server=$(bash scripts/install-code-server.sh | tail -n 1)
state=${XDG_DATA_HOME:-$HOME/.local/share}/berth/code-server
mkdir -p "$state/user-data/User" "$state/extensions"
chmod 700 "$state"
settings="$state/user-data/User/settings.json"
[ -f "$settings" ] || printf '{\n  "berth.local.socketPath": "%s",\n  "security.workspace.trust.enabled": false\n}\n' "$socket" > "$settings"
"$code_server" --user-data-dir "$state/user-data" --extensions-dir "$state/extensions" \
  --install-extension dist/berth.vsix --force >/dev/null
password_file="$state/password"
[ -s "$password_file" ] || (umask 077 && head -c 18 /dev/urandom | base64 > "$password_file")
echo "Berth: open http://127.0.0.1:$port/ in a browser; the password is in $password_file"
echo "       (Ctrl-C stops VS Code; the helper keeps running: stop it with 'pkill -f \"berth daemon\"')"
PASSWORD=$(cat "$password_file") exec "$code_server" --auth password --bind-addr "127.0.0.1:$port" \
  --disable-telemetry --disable-update-check \
  --user-data-dir "$state/user-data" --extensions-dir "$state/extensions" "$folder"

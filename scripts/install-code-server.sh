#!/usr/bin/env bash
# Installs code-server (VS Code's server + web workbench) for Berth's end-to-end
# tests, without any download other than the npm registry and Debian's apt.
#
#   scripts/install-code-server.sh          # prints the code-server binary path
#
# Target: ${BERTH_CODE_SERVER_DIR:-/var/cache/berth/code-server-4.100.3}.
# Idempotent: when the target already holds a working install this exits fast,
# without touching apt or npm. A fresh install is built in a temporary directory
# beside the target and renamed into place only once it works, so a half install
# is never used. Concurrent runs are serialised with flock.
#
# code-server 4.100.x is the newest line that accepts Node.js 20. Plain
# `npm install code-server` breaks here in three ways, each cured below:
#   - its postinstall refuses to run as root (we run the steps ourselves);
#   - @vscode/ripgrep downloads rg from GitHub (we point bin/rg at Debian's rg,
#     and its postinstall skips the download when bin/ exists);
#   - node-pty's postinstall runs `npx node-gyp`, which waits for a "yes".
# See /work/shared/notes/vscode-in-a-browser.md (kept outside the repo).
#
# stdout: only the binary path (last line). stderr: a few progress lines; the
# full output of npm/apt goes to a log file whose tail is shown on failure.
set -euo pipefail

VERSION=4.100.3
NODE_MAJOR_REQUIRED=20
DEST="${BERTH_CODE_SERVER_DIR:-/var/cache/berth/code-server-${VERSION}}"
DEST="${DEST%/}"
BIN="$DEST/bin/code-server"
STAMP="$DEST/.berth-install"
DEB_PACKAGES=(pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep build-essential)

log() { printf 'install-code-server: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

node_abi() { node -p 'process.versions.modules' 2>/dev/null || echo none; }

# A working install: the binary answers --version, ripgrep resolves, and the
# native modules were built for the Node.js ABI we run now.
is_installed() {
  [[ -x "$BIN" && -f "$STAMP" ]] || return 1
  [[ -e "$DEST/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ]] || return 1
  [[ "$(cat "$STAMP")" == "node-abi=$(node_abi)" ]] || return 1
  "$BIN" --version >/dev/null 2>&1
}

# ---- fast path (no lock, no apt, no npm) ------------------------------------
if is_installed; then
  printf '%s\n' "$BIN"
  exit 0
fi

command -v node >/dev/null || die "node is not on PATH"
command -v npm >/dev/null || die "npm is not on PATH"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$node_major" == "$NODE_MAJOR_REQUIRED" ]] ||
  die "code-server $VERSION needs Node.js $NODE_MAJOR_REQUIRED, found $(node --version)"

PARENT="$(dirname "$DEST")"
mkdir -p "$PARENT"

# ---- serialise concurrent installs -----------------------------------------
exec 9>"$DEST.lock"
if ! flock -n 9; then
  log "another install is running; waiting for it"
  flock 9
fi
if is_installed; then # someone else finished it while we waited
  printf '%s\n' "$BIN"
  exit 0
fi

LOG="$(mktemp "${TMPDIR:-/tmp}/berth-install-code-server.XXXXXX.log")"
TMP=""
cleanup() {
  local rc=$?
  if [[ -n "$TMP" && -d "$TMP" ]]; then rm -rf "$TMP"; fi
  if [[ $rc -eq 0 ]]; then rm -f "$LOG"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run STEP-DESCRIPTION CMD...: output to the log; on failure show its tail.
run() {
  local what="$1"
  shift
  printf '\n### %s\n$ %s\n' "$what" "$*" >>"$LOG"
  if ! "$@" >>"$LOG" 2>&1; then
    log "failed: $what"
    log "command: $*"
    tail -n 60 "$LOG" | sed 's/^/  | /' >&2
    log "full log: $LOG"
    exit 1
  fi
}

# in_dir DIR CMD...: run CMD with DIR as working directory (npm's project root).
in_dir() { (cd "$1" && shift && "$@"); }

SECONDS=0
log "installing code-server $VERSION into $DEST (takes a few minutes; log: $LOG)"

# ---- Debian prerequisites (only when missing) -------------------------------
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  SUDO=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
    SUDO=(sudo -n)
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt_install=("${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}")
  printf '\n### apt-get install\n' >>"$LOG"
  if ! "${apt_install[@]}" >>"$LOG" 2>&1; then
    run "apt-get update" "${SUDO[@]}" apt-get update -q
    run "apt-get install ${missing[*]}" "${apt_install[@]}"
  fi
fi
RG="$(command -v rg)" || die "ripgrep (rg) not found after installing it"

# ---- environment for npm ------------------------------------------------------
# Headers for node-gyp: use the ones installed with Node.js (no download).
node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
if [[ -z "${npm_config_nodedir:-}" && -f "$node_prefix/include/node/node_version.h" ]]; then
  export npm_config_nodedir="$node_prefix"
fi
export npm_config_yes=true          # node-pty's `npx node-gyp` must not prompt
export npm_config_unsafe_perm=true  # scripts as root
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export npm_config_loglevel=error npm_config_progress=false
export JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}" # node-gyp parallel build

# Leftovers of installs that were killed (we hold the lock, so none is live).
rm -rf "$PARENT/.code-server-${VERSION}.tmp."* "$PARENT/.code-server-${VERSION}.old."*
TMP="$(mktemp -d "$PARENT/.code-server-${VERSION}.tmp.XXXXXX")"

# ---- 1. the package itself, scripts off -------------------------------------
log "fetching code-server@$VERSION"
run "npm pack code-server@$VERSION" npm pack --silent --pack-destination "$TMP" "code-server@$VERSION"
tarball="$(find "$TMP" -maxdepth 1 -name 'code-server-*.tgz' -print -quit)"
[[ -n "$tarball" ]] || die "npm pack produced no tarball"
PKG="$TMP/pkg"
mkdir -p "$PKG"
run "unpack" tar -xzf "$tarball" -C "$PKG" --strip-components=1
rm -f "$tarball"

log "installing dependencies (scripts off)"
run "npm install (code-server)" in_dir "$PKG" npm install --omit=dev --ignore-scripts
run "npm install (lib/vscode)" in_dir "$PKG/lib/vscode" npm install --omit=dev --ignore-scripts

# ---- 2. ripgrep from Debian instead of a GitHub download --------------------
rgdir="$PKG/lib/vscode/node_modules/@vscode/ripgrep"
[[ -d "$rgdir" ]] || die "@vscode/ripgrep missing from lib/vscode"
mkdir -p "$rgdir/bin"
ln -sfn "$RG" "$rgdir/bin/rg"

# ---- 3. native modules ------------------------------------------------------
log "building native modules (node-pty, spdlog, kerberos, watcher, argon2, ...)"
run "npm rebuild (lib/vscode)" in_dir "$PKG/lib/vscode" npm rebuild
run "npm rebuild argon2" in_dir "$PKG" npm rebuild argon2

# ---- 4. what code-server's postinstall.sh would do afterwards ---------------
ln -sfn node_modules "$PKG/lib/vscode/node_modules.asar"
(cd "$PKG/lib/vscode/bin/remote-cli" && ln -sfn code-linux.sh code-server)
(cd "$PKG/lib/vscode/bin/helpers" && ln -sfn browser-linux.sh browser.sh)
run "npm install (lib/vscode/extensions)" in_dir "$PKG/lib/vscode/extensions" npm install --omit=dev --ignore-scripts
# Trims the TypeScript copy the built-in extensions share (as upstream does).
run "extensions postinstall" node "$PKG/lib/vscode/extensions/postinstall.mjs"

# ---- 5. launcher, relative to its own location so the rename is safe -------
mkdir -p "$PKG/bin"
cat >"$PKG/bin/code-server" <<'EOF'
#!/usr/bin/env sh
# Launcher written by Berth's scripts/install-code-server.sh.
set -eu
self="$(readlink -f "$0")"
root="$(dirname "$(dirname "$self")")"
exec node "$root/out/node/entry.js" "$@"
EOF
chmod +x "$PKG/bin/code-server"

# ---- 6. check before use ----------------------------------------------------
log "checking the install"
run "native modules load" node -e '
  const base = process.argv[1] + "/lib/vscode/node_modules/";
  for (const m of ["node-pty", "@vscode/spdlog", "kerberos", "native-watchdog", "@parcel/watcher", "@vscode/deviceid"]) require(base + m);
  require(process.argv[1] + "/node_modules/argon2");
' "$PKG"
run "code-server --version" "$PKG/bin/code-server" --version
printf 'node-abi=%s\n' "$(node_abi)" >"$PKG/.berth-install"

# ---- 7. into place ----------------------------------------------------------
if [[ -e "$DEST" ]]; then # a broken or stale install: move aside, then remove
  old="$PARENT/.code-server-${VERSION}.old.$$"
  mv "$DEST" "$old"
  rm -rf "$old"
fi
mv "$PKG" "$DEST"
rm -rf "$TMP"
TMP=""

is_installed || die "install finished but $BIN does not work"
log "done in ${SECONDS}s"
printf '%s\n' "$BIN"

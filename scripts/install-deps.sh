#!/usr/bin/env bash
# Installs what a fresh Debian machine with Node.js 20 lacks for building, running and testing Berth:
# Debian packages (Chromium for the end-to-end tests), the npm packages from the lock file, and
# code-server (a real VS Code for machines without a desktop one). Safe to run again: it only does
# what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: run as root (the helper and its tests need root): sudo bash $0" >&2
  exit 1
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "install-deps: Node.js 20 or later is needed (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# Debian packages: chromium shows code-server in the end-to-end tests; busybox-static fills the test
# containers' root filesystems; runc is the reference the runtime tests and benchmark compare against;
# golang-github-containers-common ships the default seccomp profile Docker and Podman apply;
# docker-registry, skopeo, umoci and debootstrap make and serve the images the pull tests fetch;
# openssh-server is the real SSH server the remote-target tests connect to on 127.0.0.1; podman is
# what the engine's benchmark compares `berth run` against; tini's static binary is the minimal PID 1 of
# `berth run --init` (bound into the container at /dev/init, as Docker does with its docker-init); zstd
# decompresses zstd image layers; iproute2 and iptables are what the helper's bridge networking runs
# (links, addresses, NAT), and curl is the networking tests' client; sudo is what a non-root SSH user becomes
# root with in the remote-target tests (with the tests' own sudoers, bound over /etc/sudoers inside their
# sshd's mount namespace only); containerd (with its ctr client and runc v2 shim) is, with podman, a real
# client the runtime tests drive `berth runtime` from, in place of runc.
packages=(chromium busybox-static runc golang-github-containers-common docker-registry skopeo umoci debootstrap
  openssh-server podman tini zstd iproute2 iptables curl sudo containerd)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, exactly as the lock file says; skipped when node_modules already matches it.
stamp=node_modules/.berth-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "install-deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# code-server (cached under /var/cache/berth); prints its path.
bash scripts/install-code-server.sh >/dev/null

#!/usr/bin/env bash
# run.sh: runs threadchat's browser tests (tests/browser/*.test.mjs) in headless Chromium; with
# --bench, the page's benchmark (benches/page/page.mjs) instead, on the same set-up.
# Needs Debian's Chromium at /usr/bin/chromium (installed here when running as root), Node.js
# with npm, and a built server (cargo build; override the binary with THREADCHAT_BIN).
# Screenshots land in target/browser-artifacts/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" -eq 0 ]]; then
    # No prompts (CI has no terminal); a plain font so that layouts and screenshots match.
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core
  else
    echo "run.sh: /usr/bin/chromium is missing. Install Debian's Chromium first:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y chromium fonts-dejavu-core" >&2
    exit 1
  fi
fi

bin="${THREADCHAT_BIN:-$repo/target/debug/threadchat}"
if [[ ! -x "$bin" ]]; then
  echo "run.sh: no server binary at $bin; run 'cargo build' first (or set THREADCHAT_BIN)." >&2
  exit 1
fi

cd "$here"
npm ci --no-audit --no-fund --loglevel=error >/dev/null  # quiet; errors still go to stderr
# `run.sh --bench`: the page's benchmark (benches/page/page.mjs) instead of the tests.
if [[ "${1:-}" == "--bench" ]]; then
  exec node "$repo/benches/page/page.mjs"
fi
node --test --test-concurrency=1 --test-reporter=spec ./*.test.mjs

# Sourced by ./shop and .ci/run: puts Node 22+ and the pnpm version that package.json pins first
# on PATH, fetching them into .cache/tools when the machine has none that fit (e.g. Node 20, no
# pnpm, a corepack that fails). Needs only npm (which comes with any Node) and the npm registry.
# Run from the repository root.

tools="$PWD/.cache/tools"
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  if [ ! -x "$tools/node_modules/.bin/node" ]; then
    echo "Node $(node -v 2>/dev/null || echo missing) is too old; fetching Node 24 into $tools (once)"
    mkdir -p "$tools"
    # npm 11 runs no install scripts unless allowed; the node package needs its own.
    printf '{ "private": true, "allowScripts": { "node": true } }\n' > "$tools/package.json"
    npm install --prefix "$tools" --no-audit --no-fund node@24
  fi
  export PATH="$tools/node_modules/.bin:$PATH"
fi

# The pnpm version pinned in package.json's packageManager field.
pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm -v 2>/dev/null || true)" != "$pnpm_version" ]; then
  if [ ! -x "$tools/pnpm/node_modules/.bin/pnpm" ] || [ "$("$tools/pnpm/node_modules/.bin/pnpm" -v)" != "$pnpm_version" ]; then
    echo "installing pnpm $pnpm_version into $tools/pnpm (once)"
    npm install --prefix "$tools/pnpm" --no-audit --no-fund "pnpm@$pnpm_version"
  fi
  export PATH="$tools/pnpm/node_modules/.bin:$PATH"
fi

#!/usr/bin/env bash
# Builds every example offline: the example base images first (from this machine's binaries),
# then each example into .cube/out/<example>/. Used by `npm run example`. Every example is built
# even when an earlier one fails; the exit status says whether all of them were.
set -euo pipefail
cd "$(dirname "$0")/.."
node examples/images/make-images.js
failed=()
for example in python-web node-app byo-envd; do
  node bin/cube.js build -f "examples/$example/Cubefile" --envd-path examples/images/envd || failed+=("$example")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "examples that failed to build: ${failed[*]}" >&2
  exit 1
fi

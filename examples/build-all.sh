#!/usr/bin/env bash
# Builds every example offline: the example base images first (from this machine's binaries),
# then each example into .cube/out/<example>/. Used by `npm run example`.
set -euo pipefail
cd "$(dirname "$0")/.."
node examples/images/make-images.js
for example in python-web node-app byo-envd; do
  node bin/cube.js build -f "examples/$example/Cubefile" --envd-path examples/images/envd
done

#!/usr/bin/env bash
# Compares reading an image in place with extracting it. The image target opens the bookworm
# docker save archive, walks the merged tree and reads every file. The baseline extracts the
# same archive with tar, then each layer blob, in manifest order, into one directory.
# The baseline applies no whiteouts, so it is a lower bound for a real extract-then-scan.
# Run from anywhere after `npm install`; needs ../shared, GNU tar and /usr/bin/time.
# Usage: bench/image-target.sh [IMAGE]   (default: the bookworm docker save archive)
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
image=${1:-$(cd ../shared && pwd)/fixtures/images/bookworm/bookworm-docker-save.tar}
. bench/measure.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BENCH_OUT=$work

# Build into the work folder, so the bench does not depend on the state of dist/.
npx tsc -p tsconfig.json --outDir "$work/dist" >/dev/null 2>&1
if [ ! -f "$work/dist/bench/image-target.js" ]; then
  echo "build failed: $work/dist/bench/image-target.js is missing" >&2
  exit 1
fi
ln -s "$repo/node_modules" "$work/node_modules"

cat >"$work/extract.sh" <<'SCRIPT'
set -eu
image=$1 work=$2
mkdir "$work/outer" "$work/rootfs"
tar -xf "$image" -C "$work/outer"
node -e 'for (const layer of JSON.parse(require("fs").readFileSync(process.argv[1]))[0].Layers) console.log(layer)' \
  "$work/outer/manifest.json" | while read -r layer; do
  tar -xf "$work/outer/$layer" -C "$work/rootfs"
done
SCRIPT

echo "image: $image ($(stat -c %s "$image") bytes)"
measure "image target: open, walk, read all" node "$work/dist/bench/image-target.js" "$image"
sed 's/^/    /' "$work/image_target:_open,_walk,_read_all.out"
measure "tar -xf: outer archive, then each layer" bash "$work/extract.sh" "$image" "$work"
echo "    extracted: $(du -sm "$work/rootfs" | cut -f1) MiB in $(find "$work/rootfs" | wc -l) entries, plus $(du -sm "$work/outer" | cut -f1) MiB of blobs"

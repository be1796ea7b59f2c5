#!/usr/bin/env bash
# Times scanning an image in place against extracting it and scanning the extracted root.
#   (a) scapula oval eval --image ARCHIVE ssg-debian11-oval.xml reads the archive as it is.
#   (b) GNU tar extracts the docker save archive, then each layer in manifest order into one
#       root, and rm applies the whiteouts (see apply_layer). oscap-chroot ROOT oval eval follows.
# Both write --results. The bench prints the wall time and peak RSS of each, the time (b) spends
# in each step, and the result counts.
# Run as root from anywhere after `npm install` (tar must keep owners and setuid bits); needs
# ../shared, GNU tar, oscap-chroot and /usr/bin/time.
# Usage: bench/image-eval.sh [DOCKER_SAVE_TAR] [OVAL_FILE]
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
image=${1:-$(cd ../shared && pwd)/fixtures/images/bookworm/bookworm-docker-save.tar}
content=${2:-/usr/share/xml/scap/ssg/content/ssg-debian11-oval.xml}
. bench/measure.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BENCH_OUT=$work

# Build into the work folder, so the bench does not depend on the state of dist/.
npx tsc -p tsconfig.json --outDir "$work/dist" >/dev/null 2>&1
if [ ! -f "$work/dist/lib/cli/main.js" ]; then
  echo "build failed: $work/dist/lib/cli/main.js is missing" >&2
  exit 1
fi
mkdir "$work/bin"
cp bin/scapula.js "$work/bin/scapula.js"
cp package.json "$work/package.json"
ln -s "$repo/node_modules" "$work/node_modules"

cat >"$work/extract-and-scan.sh" <<'SCRIPT'
set -eu
image=$1 content=$2 work=$3

# Applies one layer tar to the root. An opaque marker (DIR/.wh..wh..opq) empties DIR of what
# lower layers put there before the layer lands, and a whiteout (DIR/.wh.NAME) removes NAME
# after it. Neither marker stays in the root. It suits trusted images only, because names are
# not cleaned and tar follows symlinks that lower layers put in a path.
apply_layer() {
  local layer=$1 root=$2 list=$work/layer-entries
  tar -tf "$layer" >"$list"
  grep -E '(^|/)\.wh\.\.wh\.\.opq$' "$list" | while read -r marker; do
    local directory=$root/$(dirname "$marker")
    if [ -d "$directory" ]; then find "$directory" -mindepth 1 -delete; fi
  done
  tar -xf "$layer" -C "$root"
  grep -E '(^|/)\.wh\.[^/]+$' "$list" | while read -r marker; do
    local name
    name=$(basename "$marker")
    if [ "$name" != .wh..wh..opq ]; then rm -rf "$root/$(dirname "$marker")/${name#.wh.}"; fi
    rm -f "$root/$marker"
  done
}

start=$(date +%s.%N)
mkdir "$work/outer" "$work/root"
tar -xf "$image" -C "$work/outer"
node -e 'for (const layer of JSON.parse(require("fs").readFileSync(process.argv[1]))[0].Layers) console.log(layer)' \
  "$work/outer/manifest.json" | while read -r layer; do
  apply_layer "$work/outer/$layer" "$work/root"
done
extracted=$(date +%s.%N)
oscap-chroot "$work/root" oval eval --results "$work/oscap-results.xml" "$content"
scanned=$(date +%s.%N)
printf 'split: extraction %.1f s, oscap-chroot %.1f s\n' "$(echo "$extracted - $start" | bc)" "$(echo "$scanned - $extracted" | bc)" >&2
SCRIPT

# Prints the number of true, false and other definition results in a run's output.
count_results() {
  local out=$1
  printf '%s true, %s false, %s other' "$(grep -c ': true$' "$out")" "$(grep -c ': false$' "$out")" \
    "$(grep '^Definition' "$out" | grep -vc -e ': true$' -e ': false$')"
}

echo "image:   $image ($(stat -c %s "$image") bytes)"
echo "content: $content"
scapula_label="scapula --image"
oscap_label="tar + whiteouts, then oscap-chroot"
measure "$scapula_label" node "$work/bin/scapula.js" oval eval --image "$image" --results "$work/scapula-results.xml" "$content"
measure "$oscap_label" bash "$work/extract-and-scan.sh" "$image" "$content" "$work"
echo
echo "    $(grep '^split:' "$work/${oscap_label// /_}.err")"
echo "    extracted root: $(du -sm "$work/root" | cut -f1) MiB in $(find "$work/root" | wc -l) entries, plus $(du -sm "$work/outer" | cut -f1) MiB of blobs"
printf '    %-40s %s\n' "$scapula_label:" "$(count_results "$work/${scapula_label// /_}.out")"
printf '    %-40s %s\n' "oscap-chroot:" "$(count_results "$work/${oscap_label// /_}.out")"

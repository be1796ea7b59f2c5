#!/usr/bin/env bash
# Times SSG content on the fixtures' bookworm root: scapula oval eval --root against
# oscap-chroot (OpenSCAP 1.3.7) on a fresh copy of the same root, run after run, so both see
# the same machine load. Prints the wall time, CPU time (user + system) and peak RSS of every
# run, then the medians and the ratios of the medians to oscap's. Both write --results. On a
# loaded machine the CPU time varies less than the wall time.
# Run as root from the repository after `npm install`; needs ../shared, oscap-chroot and
# /usr/bin/time.
# Usage: bench/ssg-root.sh [RUNS] [OVAL_FILE...]   (default: 5 runs of ssg-debian11-oval.xml)
# With BASELINE=DIR, also times DIR/bin/scapula.js (a built older checkout) in each run.
# With IMAGE=1, also times scapula --image on the docker save archive of the same root.
# With EMPTY=1, also times scapula (and the baseline) on an OVAL document with no definitions,
# which measures start-up: loading modules, reading the root's facts, writing the results.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
shared=$(cd ../shared && pwd)
runs=${1:-5}
shift || true
contents=("$@")
[ ${#contents[@]} -eq 0 ] && contents=(/usr/share/xml/scap/ssg/content/ssg-debian11-oval.xml)
image=$shared/fixtures/images/bookworm/bookworm-docker-save.tar
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Build into the work folder, so the bench does not depend on the state of dist/.
npx tsc -p tsconfig.json --outDir "$work/build/dist" >/dev/null 2>&1
if [ ! -f "$work/build/dist/lib/cli/main.js" ]; then
  echo "build failed: $work/build/dist/lib/cli/main.js is missing" >&2
  exit 1
fi
mkdir "$work/build/bin"
cp bin/scapula.js "$work/build/bin/scapula.js"
cp package.json "$work/build/package.json"
ln -s "$repo/node_modules" "$work/build/node_modules"

cat >"$work/empty.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5">
  <generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>
</oval_definitions>
XML

mkdir "$work/root"
tar -xzf "$shared/fixtures/images/bookworm/bookworm-rootfs.tar.gz" -C "$work/root"

# time_run LABEL COMMAND...: runs COMMAND, appends "LABEL WALL_S CPU_S RSS_MIB" to the table.
time_run() {
  local label=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err"
  local status=$?
  local wall user system rss cpu
  read -r wall user system rss <"$work/time"
  rss=$((rss / 1024))
  cpu=$(echo "$user + $system" | bc -l)
  printf '  %-20s wall %6.2f s  cpu %6.2f s  %4d MiB  exit %s\n' "$label" "$wall" "$cpu" "$rss" "$status"
  echo "$label|$wall|$cpu|$rss" >>"$work/table"
}

median() {
  sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for content in "${contents[@]}"; do
  name=$(basename "$content")
  rm -f "$work/table"
  echo "## $name on the bookworm root, $runs runs"
  for run in $(seq "$runs"); do
    echo " run $run (load $(cut -d' ' -f1 /proc/loadavg))"
    time_run "scapula --root" node "$work/build/bin/scapula.js" oval eval --root "$work/root" --results "$work/s.xml" "$content"
    if [ -n "${BASELINE:-}" ]; then
      time_run "baseline --root" node "$BASELINE/bin/scapula.js" oval eval --root "$work/root" --results "$work/b.xml" "$content"
    fi
    if [ -n "${IMAGE:-}" ]; then
      time_run "scapula --image" node "$work/build/bin/scapula.js" oval eval --image "$image" --results "$work/i.xml" "$content"
    fi
    if [ -n "${EMPTY:-}" ]; then
      time_run "scapula empty" node "$work/build/bin/scapula.js" oval eval --root "$work/root" --results "$work/e.xml" "$work/empty.xml"
      if [ -n "${BASELINE:-}" ]; then
        time_run "baseline empty" node "$BASELINE/bin/scapula.js" oval eval --root "$work/root" --results "$work/e.xml" "$work/empty.xml"
      fi
    fi
    rm -rf "$work/copy"
    cp -a "$work/root" "$work/copy"
    time_run "oscap-chroot" oscap-chroot "$work/copy" oval eval --results "$work/o.xml" "$content"
  done
  echo " medians (ratio to oscap-chroot):"
  column_median() { awk -F'|' -v l="$1" -v c="$2" '$1 == l { print $c }' "$work/table" | median; }
  oscap_wall=$(column_median oscap-chroot 2)
  oscap_cpu=$(column_median oscap-chroot 3)
  for label in "scapula --root" "baseline --root" "scapula --image" "scapula empty" "baseline empty" "oscap-chroot"; do
    grep -q "^$label|" "$work/table" || continue
    wall=$(column_median "$label" 2)
    cpu=$(column_median "$label" 3)
    rss=$(column_median "$label" 4)
    printf '  %-20s wall %6.2f s (%.2f)  cpu %6.2f s (%.2f)  %4.0f MiB\n' "$label" \
      "$wall" "$(echo "$wall / $oscap_wall" | bc -l)" "$cpu" "$(echo "$cpu / $oscap_cpu" | bc -l)" "$rss"
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# Evaluates OVAL content with scapula and with oscap 1.3.7 in the same run and prints the wall
# time and peak memory of both:
#   1. ssg-debian11-oval.xml on the bookworm root (extracted; oscap-chroot on a fresh copy).
#      Each tool runs once uncounted, then RUNS times (default 5) in turn, and the medians are
#      printed, because a single run of half a second varies by a tenth;
#   2. the 145 MiB Red-Hat-style feed from make-feed on the RPM lab root (sqlite form).
# Run as root from the repository root after `npm install`; needs ../shared, oscap-chroot, rpm.
# FEED=FILE and LAB=DIR reuse a feed and an RPM lab root (sqlite form) made before, instead of
# assembling the root and running make-feed again. Each row also gives the CPU time (user +
# system) that /usr/bin/time reports, and the load average is printed before and after.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
shared=$(cd ../shared && pwd)
. bench/measure.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BENCH_OUT=$work
scapula="node $repo/bin/scapula.js"

# cpu LABEL: prints the user + system seconds of a row measured before.
cpu() {
  local time_file="$BENCH_OUT/${1// /_}.time"
  awk -F': ' '/User time/ {user_seconds = $2} /System time/ {system_seconds = $2} END {printf "%.2f s", user_seconds + system_seconds}' "$time_file"
}
# median_row LABEL RUNS: prints the medians of the wall time, CPU time (user + system) and peak
# RSS of the rows "LABEL 1" to "LABEL RUNS" measured before, each figure sorted on its own, and
# sets median_wall.
median_row() {
  local label=$1 runs=$2 run figures
  figures=$(for run in $(seq 1 "$runs"); do
    awk -F': ' '
      /Elapsed \(wall clock\)/ { n = split($2, part, ":"); wall = part[n] + (n > 1 ? part[n - 1] * 60 : 0) + (n > 2 ? part[n - 2] * 3600 : 0) }
      /User time/ { cpu += $2 }
      /System time/ { cpu += $2 }
      /Maximum resident set size/ { rss = $2 / 1024 }
      END { printf "%.2f %.2f %.0f\n", wall, cpu, rss }' "$BENCH_OUT/${label// /_}_$run.time"
  done)
  local middle=$(((runs + 1) / 2))
  column() { echo "$figures" | cut -d' ' -f"$1" | sort -n | sed -n "${middle}p"; }
  median_wall=$(column 1)
  printf '%-44s median of %d: wall %s s   CPU %s s   peak RSS %s MiB\n' "$label" "$runs" "$median_wall" "$(column 2)" "$(column 3)"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## ssg-debian11-oval.xml on the bookworm root"
mkdir "$work/bookworm" "$work/bookworm-oscap"
tar -xzf "$shared/fixtures/images/bookworm/bookworm-rootfs.tar.gz" -C "$work/bookworm"
tar -xzf "$shared/fixtures/images/bookworm/bookworm-rootfs.tar.gz" -C "$work/bookworm-oscap"
ssg=/usr/share/xml/scap/ssg/content/ssg-debian11-oval.xml
runs=${RUNS:-5}
# oscap-chroot writes into the root it scans, so each of its runs gets a fresh copy, made
# before any run so that writing the copies back to disk does not slow the runs.
for run in $(seq 1 "$runs"); do
  mkdir "$work/bookworm-oscap-$run"
  tar -xzf "$shared/fixtures/images/bookworm/bookworm-rootfs.tar.gz" -C "$work/bookworm-oscap-$run"
done
sync
# A run of each first, not counted: it reads the new copies into the caches.
$scapula oval eval --root "$work/bookworm" --results "$work/s1.xml" "$ssg" >/dev/null 2>&1
oscap-chroot "$work/bookworm-oscap" oval eval --results "$work/o1.xml" "$ssg" >/dev/null 2>&1
for run in $(seq 1 "$runs"); do
  measure "scapula --root (ssg-debian11) $run" $scapula oval eval --root "$work/bookworm" --results "$work/s1.xml" "$ssg"
  measure "oscap-chroot (ssg-debian11) $run" oscap-chroot "$work/bookworm-oscap-$run" oval eval --results "$work/o1.xml" "$ssg"
done
median_row "scapula --root (ssg-debian11)" "$runs"
scapula_wall=$median_wall
median_row "oscap-chroot (ssg-debian11)" "$runs"
awk -v a="$scapula_wall" -v b="$median_wall" 'BEGIN { printf "%-44s %.3f\n", "median wall time, scapula / oscap", a / b }'

echo
echo "## 145 MiB feed on the RPM lab root (sqlite)"
if [ -n "${LAB:-}" ]; then
  cp -a "$LAB" "$work/lab"
  cp -a "$LAB" "$work/lab-oscap"
else
  "$shared/fixtures/rpmlab/make/assemble_root.sh" "$work/lab" sqlite >/dev/null
  "$shared/fixtures/rpmlab/make/assemble_root.sh" "$work/lab-oscap" sqlite >/dev/null
fi
feed=${FEED:-$work/feed.xml}
if [ -z "${FEED:-}" ]; then
  rpm --root "$work/lab" --dbpath /var/lib/rpm --define '_db_backend sqlite' -qa \
    --qf '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM}\n' | LC_ALL=C sort >"$work/lab-packages.txt"
  "$shared/fixtures/bench/make-feed" "$feed" --packages "$work/lab-packages.txt" --key beba9cc826edad66 2>/dev/null
fi
sync
mkdir -p "$work/oscap-home"
printf '%%_dbpath /var/lib/rpm\n%%_db_backend sqlite\n' >"$work/oscap-home/.rpmmacros"
measure "scapula --root (145 MiB feed)" $scapula oval eval --root "$work/lab" --results "$work/s2.xml" "$feed"
measure "oscap-chroot (145 MiB feed)" env HOME="$work/oscap-home" oscap-chroot "$work/lab-oscap" oval eval --results "$work/o2.xml" "$feed"
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for label in "scapula --root (145 MiB feed)" "oscap-chroot (145 MiB feed)"; do
  printf '%-44s CPU %s\n' "$label" "$(cpu "$label")"
done
for label in "scapula --root (145 MiB feed)" "oscap-chroot (145 MiB feed)"; do
  out="$work/${label// /_}.out"
  printf '%-44s %s true, %s false, %s other\n' "$label" \
    "$(grep -c ': true$' "$out")" "$(grep -c ': false$' "$out")" \
    "$(grep '^Definition' "$out" | grep -vc -e ': true$' -e ': false$')"
done

#!/usr/bin/env bash
# Evaluates OVAL content with scapula and with oscap 1.3.7 in the same run and prints the wall
# time and peak memory of both:
#   1. ssg-debian11-oval.xml on the bookworm root (extracted; oscap-chroot on a fresh copy);
#   2. the 145 MiB Red-Hat-style feed from make-feed on the RPM lab root (sqlite form).
# Run as root from the repository root after `npm install`; needs ../shared, oscap-chroot, rpm.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
shared=$(cd ../shared && pwd)
. bench/measure.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BENCH_OUT=$work
scapula="node $repo/bin/scapula.js"

echo "## ssg-debian11-oval.xml on the bookworm root"
mkdir "$work/bookworm" "$work/bookworm-oscap"
tar -xzf "$shared/fixtures/images/bookworm/bookworm-rootfs.tar.gz" -C "$work/bookworm"
tar -xzf "$shared/fixtures/images/bookworm/bookworm-rootfs.tar.gz" -C "$work/bookworm-oscap"
ssg=/usr/share/xml/scap/ssg/content/ssg-debian11-oval.xml
measure "scapula --root (ssg-debian11)" $scapula oval eval --root "$work/bookworm" --results "$work/s1.xml" "$ssg"
measure "oscap-chroot (ssg-debian11)" oscap-chroot "$work/bookworm-oscap" oval eval --results "$work/o1.xml" "$ssg"

echo
echo "## 145 MiB feed on the RPM lab root (sqlite)"
"$shared/fixtures/rpmlab/make/assemble_root.sh" "$work/lab" sqlite >/dev/null
"$shared/fixtures/rpmlab/make/assemble_root.sh" "$work/lab-oscap" sqlite >/dev/null
rpm --root "$work/lab" --dbpath /var/lib/rpm --define '_db_backend sqlite' -qa \
  --qf '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM}\n' | LC_ALL=C sort >"$work/lab-packages.txt"
"$shared/fixtures/bench/make-feed" "$work/feed.xml" --packages "$work/lab-packages.txt" --key beba9cc826edad66 2>/dev/null
mkdir -p "$work/oscap-home"
printf '%%_dbpath /var/lib/rpm\n%%_db_backend sqlite\n' >"$work/oscap-home/.rpmmacros"
measure "scapula --root (145 MiB feed)" $scapula oval eval --root "$work/lab" --results "$work/s2.xml" "$work/feed.xml"
measure "oscap-chroot (145 MiB feed)" env HOME="$work/oscap-home" oscap-chroot "$work/lab-oscap" oval eval --results "$work/o2.xml" "$work/feed.xml"
echo
for label in "scapula --root (145 MiB feed)" "oscap-chroot (145 MiB feed)"; do
  out="$work/${label// /_}.out"
  printf '%-44s %s true, %s false, %s other\n' "$label" \
    "$(grep -c ': true$' "$out")" "$(grep -c ': false$' "$out")" \
    "$(grep '^Definition' "$out" | grep -vc -e ': true$' -e ': false$')"
done

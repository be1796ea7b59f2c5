#!/usr/bin/env bash
# Evaluates both Red Hat feeds (lab-key copies) on the RPM lab root with scapula and with
# oscap-chroot 1.3.7 in the same run, on the sqlite and the Berkeley DB form, and prints wall
# time, peak memory and the true/false counts of both. Also prints the package database read
# speed (packages per second) of each format. Run as root from the repository root after
# `npm install`; needs ../shared, oscap-chroot.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
shared=$(cd ../shared && pwd)
. bench/measure.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BENCH_OUT=$work
scapula="node $repo/bin/scapula.js"
feeds="$shared/fixtures/rpmlab/feeds"

counts() {
  local out="$work/${1// /_}.out"
  printf '    %s true, %s false, %s other\n' "$(grep -c ': true$' "$out")" "$(grep -c ': false$' "$out")" \
    "$(grep '^Definition' "$out" | grep -vc -e ': true$' -e ': false$')"
}

for form in sqlite bdb; do
  backend=$form
  [ "$form" = bdb ] && backend=bdb_ro
  mkdir -p "$work/home-$form"
  printf '%%_dbpath /var/lib/rpm\n%%_db_backend %s\n' "$backend" >"$work/home-$form/.rpmmacros"
  for feed in com.redhat.rhsa-RHEL8.labkey.xml.bz2 rhel-8-including-unpatched.labkey.oval.xml.bz2; do
    echo "## $feed on the $form root"
    rm -rf "$work/lab" "$work/lab-oscap"
    "$shared/fixtures/rpmlab/make/assemble_root.sh" "$work/lab" "$form" >/dev/null
    "$shared/fixtures/rpmlab/make/assemble_root.sh" "$work/lab-oscap" "$form" >/dev/null
    measure "scapula $form $feed" $scapula oval eval --root "$work/lab" --results "$work/s.xml" "$feeds/$feed"
    counts "scapula $form $feed"
    measure "oscap-chroot $form $feed" env HOME="$work/home-$form" oscap-chroot "$work/lab-oscap" oval eval --results "$work/o.xml" "$feeds/$feed"
    counts "oscap-chroot $form $feed"
  done
done

echo
echo "## package database read speed (packages per second)"
node dist/bench/packages.js 1

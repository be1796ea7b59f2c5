#!/usr/bin/env bash
# Compares every definition's result with oscap-chroot 1.3.7 on the fixtures' roots and prints,
# per comparison, the counts per result of both tools and the classes of differences:
#   1. ssg-debian11-oval.xml, ssg-ubuntu2204-oval.xml and the Debian 12 feed on the bookworm root,
#      and ssg-debian11-oval.xml on the two-layer bookworm image (oscap on its flattened tree);
#   2. the Red Hat RHSA and OVAL v2 feeds (lab-key copies) and ssg-rhel8-oval.xml on the four
#      forms of the RPM lab root, and the original RHSA feed once, on the sqlite form.
# Run as root from the repository root after `npx tsc -p tsconfig.json`; needs ../shared and
# oscap-chroot. Set KEEP=DIR to keep both results files of every comparison under DIR.
# Took 4 to 5.4 minutes in three runs on a loaded 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=$(cd ../shared && pwd)
ssg=/usr/share/xml/scap/ssg/content
lab=$shared/fixtures/rpmlab
compare="node dist/test/comparison/compare-oscap.js"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs one comparison: LABEL, then the options of compare-oscap.
run() {
  local label=$1
  shift
  echo
  echo "### $label"
  local keep=()
  if [[ -n "${KEEP:-}" ]]; then keep=(--keep "$KEEP/${label//[^A-Za-z0-9.-]/_}"); fi
  $compare "$@" "${keep[@]}" | grep -v -e '^DIFF' -e '^content:' -e '^oscap:' -e '^scapula:'
}

mkdir "$work/bookworm"
tar -xzf "$shared/fixtures/images/bookworm/bookworm-rootfs.tar.gz" -C "$work/bookworm"
run "ssg-debian11, bookworm root" --content "$ssg/ssg-debian11-oval.xml" --scapula-root "$work/bookworm"
run "ssg-ubuntu2204, bookworm root" --content "$ssg/ssg-ubuntu2204-oval.xml" --scapula-root "$work/bookworm"
run "Debian 12 feed, bookworm root" --content "$shared/fixtures/oval/debian/oval-definitions-bookworm-changelogs.xml.bz2" \
  --scapula-root "$work/bookworm"
rm -rf "$work/bookworm"
run "ssg-debian11, bookworm image (docker save)" --content "$ssg/ssg-debian11-oval.xml" \
  --image "$shared/fixtures/images/bookworm/bookworm-docker-save.tar"

for form in sqlite bdb sysimage-sqlite sysimage-bdb; do
  root=$work/lab-$form
  "$lab/make/assemble_root.sh" "$root" "$form" >/dev/null
  backend=sqlite
  if [[ $form == *bdb ]]; then backend=bdb_ro; fi
  run "RHSA feed (lab key), lab $form" --content "$lab/feeds/com.redhat.rhsa-RHEL8.labkey.xml.bz2" \
    --scapula-root "$root" --rpm-backend $backend
  run "OVAL v2 feed (lab key), lab $form" --content "$lab/feeds/rhel-8-including-unpatched.labkey.oval.xml.bz2" \
    --scapula-root "$root" --rpm-backend $backend
  run "ssg-rhel8, lab $form" --content "$ssg/ssg-rhel8-oval.xml" --scapula-root "$root" --rpm-backend $backend
  if [[ $form == sqlite ]]; then
    run "RHSA feed (original key), lab sqlite" --content "$lab/feeds/com.redhat.rhsa-RHEL8.xml.bz2" \
      --scapula-root "$root" --rpm-backend sqlite
  fi
  rm -rf "$root"
done

#!/usr/bin/env bash
# What a change to the Victims' Code rules does to an existing force's figures: a demo force is loaded by the
# binary before the change, its dashboard snapshot taken; the binary after the change migrates it (which queues
# the recompute), recomputes every victim and takes a snapshot again. Prints the victims whose obligations
# changed and, per force-wide metric, the latest 12 months before and after.
#   bench/rules-change.sh OLD_BINARY NEW_BINARY [CRIMES]
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1 NEW=$2 CRIMES=${3:-2000}
dir=$(mktemp -d)
export VICTIMCARE_SQLITE_PATH="$dir/force.sqlite" LOG_LEVEL=error
unset DATABASE_URL
"$OLD" migrate >/dev/null
"$OLD" demo-data --crimes "$CRIMES" --seed 20221014 --as-of 2026-11-30 >/dev/null
"$OLD" dashboard-refresh >/dev/null
figures() {
  sqlite3 -separator ' ' "$VICTIMCARE_SQLITE_PATH" "
    SELECT f.metric, SUM(f.numerator), SUM(f.denominator) FROM compliance_figures f
    WHERE f.snapshot_id = (SELECT id FROM compliance_snapshots ORDER BY started_at DESC LIMIT 1)
      AND (f.month = '' OR f.month >= '2025-12')
    GROUP BY f.metric ORDER BY f.metric"
}
figures > "$dir/before.txt"
"$NEW" migrate >/dev/null
"$NEW" recompute
"$NEW" dashboard-refresh >/dev/null
figures > "$dir/after.txt"
echo
printf '%-34s %16s %16s %8s\n' metric before after change
join -a1 -a2 -e0 -o 0,1.2,1.3,2.2,2.3 "$dir/before.txt" "$dir/after.txt" | while read -r m n1 d1 n2 d2; do
  b=$(awk -v n="$n1" -v d="$d1" 'BEGIN { if (d > 0) printf "%.1f%%", 100*n/d; else printf "-" }')
  a=$(awk -v n="$n2" -v d="$d2" 'BEGIN { if (d > 0) printf "%.1f%%", 100*n/d; else printf "-" }')
  c=$(awk -v n1="$n1" -v d1="$d1" -v n2="$n2" -v d2="$d2" 'BEGIN { if (d1 > 0 && d2 > 0) printf "%+.1f", 100*n2/d2 - 100*n1/d1; else printf "new" }')
  printf '%-34s %7s %8s %7s %8s %8s\n' "$m" "$n1/$d1" "$b" "$n2/$d2" "$a" "$c"
done
rm -rf "$dir"

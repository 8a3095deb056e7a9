#!/usr/bin/env bash
# Stops and removes a server started by scripts/pg-start.sh: pg-stop.sh PG_DIR
source "$(dirname "$0")/lib.sh"
DIR=${1:?usage: pg-stop.sh PG_DIR}
[ -d "$DIR/data" ] || exit 0
BIN=$(pg_bin)
RUN_AS=()
[ "$(id -u)" = 0 ] && RUN_AS=(runuser -u postgres --)
"${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
rm -rf "$DIR"

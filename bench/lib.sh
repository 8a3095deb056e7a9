# Shared helpers for the benchmarks. Source it.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
need_apt wrk time
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"

release_binary() {
    (cd "$ROOT" && swift build -c release --product victimcare >&2)
    echo "$(cd "$ROOT" && swift build -c release --show-bin-path)/victimcare"
}

# Peak resident memory (KiB) and elapsed seconds of a command, via GNU time.
measure() {
    local out="$1"; shift
    /usr/bin/time -f "elapsed_s=%e max_rss_kib=%M" -o "$out" "$@"
}

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

wait_ready() {
    for _ in $(seq 1 300); do curl -sf "$1/readyz" >/dev/null && return 0; sleep 0.2; done
    echo "server at $1 did not become ready" >&2; return 1
}

# A signed-in session cookie for a user, through the real sign-in form.
session_cookie() {
    local base=$1 user=$2 password=$3 jar
    jar=$(mktemp)
    local csrf
    csrf=$(curl -s -c "$jar" -b "$jar" "$base/sign-in" | grep -o 'name="_csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//;s/"$//')
    curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode "_csrf=$csrf" --data-urlencode "username=$user" \
        --data-urlencode "password=$password" "$base/sign-in"
    awk '$6 == "vc_session" {print $7}' "$jar"
    rm -f "$jar"
}

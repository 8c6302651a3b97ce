# Shared by the benchmark scripts; they source it from the repository root. It builds the
# release binary ($bin), makes a work directory ($work) and, at exit, stops every server that
# `serve` started and removes the directory. A script may define `more_cleanup` to run first.

build_release() { # build_release [more cargo arguments]
  echo "== building (release)" >&2
  cargo build --release --locked --quiet -p autopilot-graph "$@"
  bin="${BIN:-target/release/autopilot-graph}"  # BIN=...: another build, for an A/B run
}

work="$(mktemp -d)"
pids=()
bench_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.5
  if declare -F more_cleanup >/dev/null; then more_cleanup; fi
  rm -rf "$work"
}
trap bench_cleanup EXIT

# serve NAME ARGS...: starts a release server on 127.0.0.1 (a free port) with ARGS, waits until
# it is ready, and sets $base and $token. Its pid is in $work/NAME.pid, its output in
# $work/NAME.out and .err.
serve() {
  local name=$1
  shift
  "$bin" serve --listen 127.0.0.1:0 --log warn "$@" > "$work/$name.out" 2>"$work/$name.err" &
  pids+=("$!")
  echo "$!" > "$work/$name.pid"
  for _ in $(seq 200); do grep -q '^Try:' "$work/$name.out" 2>/dev/null && break; sleep 0.1; done
  base=$(sed -n 1p "$work/$name.out" | grep -o 'http://[0-9.:]*')
  token=$(sed -n '/^Token/{n;p}' "$work/$name.out")
}

stop() { # stop NAME
  kill "$(cat "$work/$1.pid")" 2>/dev/null || true
  sleep 0.5
}

peak_rss() { # peak_rss NAME: the server's peak resident set
  grep VmHWM /proc/"$(cat "$work/$1.pid")"/status | awk '{print $2/1024 " MiB"}'
}

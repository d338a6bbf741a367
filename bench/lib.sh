# Shared by the bench scripts (sourced, not run).

# Starts a mosquitto on a free 127.0.0.1 port (persistence off) and ends it when the script exits.
# Sets $port and $work (a temporary folder, removed at exit).
start_local_mosquitto() {
  port=""
  for candidate in $(shuf -i 20000-60000 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port="$candidate"; break; fi
  done
  [ -n "$port" ] || { echo "no free port found" >&2; exit 1; }
  work="$(mktemp -d)"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" > "$work/mosquitto.conf"
  "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
  broker=$!
  trap 'kill "$broker" 2>/dev/null || true; wait "$broker" 2>/dev/null || true; rm -rf "$work"' EXIT
  sleep 0.5
}

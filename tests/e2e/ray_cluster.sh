#!/usr/bin/env bash
# A Ray cluster of one head and N worker nodes on loopback, with token authentication, running
# one `oversight run --executor ray` against it. Run it inside private network and process
# namespaces: only loopback, so nothing leaves the machine; `ray stop` sees only this cluster;
# and when the script ends, the kernel ends every process it started:
#
#     unshare -rn -pf --mount-proc bash ray_cluster.sh WORK WORKERS EXPERIMENT OUT [KILL]
#
# WORK: a short scratch folder (Ray's sockets live under it; a Unix socket path has ~107 bytes).
# The head has no CPUs, so every run is a task on a worker node (one CPU each). With KILL=1,
# worker 1 is killed with SIGKILL (`ray start --block`, its raylet, its agents, its task
# workers) once it has a run stored and is running another. Prints `node workerI NODE_ID` per
# worker, `killed worker1 ...` and `wall_seconds S` (the driver's wall time); every Ray process
# is stopped on exit.
set -euo pipefail
WORK=$1 WORKERS=$2 EXPERIMENT=$3 OUT=$4 KILL=${5:-0}
PORT=6380

ip link set lo up
echo "netns $(readlink /proc/self/ns/net)"
export HOME=$WORK/home RAY_USAGE_STATS_ENABLED=0 RAY_AUTH_MODE=token
mkdir -p "$HOME"
export RAY_AUTH_TOKEN
RAY_AUTH_TOKEN=$(ray get-auth-token --generate 2>/dev/null | tail -n 1)
# a dead node is noticed within ~2 s instead of ~15 s
export RAY_health_check_period_ms=500 RAY_health_check_timeout_ms=500
export RAY_health_check_failure_threshold=3 RAY_health_check_initial_delay_ms=500

groups=()
cleanup() {
    rc=$?
    if [ $rc != 0 ] && [ -f "$WORK/driver.log" ]; then  # what the driver said, for the report
        echo "driver log (exit $rc):" >&2; tail -n 40 "$WORK/driver.log" >&2
    fi
    ray stop --force >/dev/null 2>&1 || true
    for g in "${groups[@]}"; do kill -9 -- "-$g" 2>/dev/null || true; done
}
trap cleanup EXIT

ray start --head --node-ip-address 127.0.0.1 --port "$PORT" --num-cpus 0 \
    --include-dashboard false --temp-dir "$WORK/ray" --disable-usage-stats >/dev/null
for i in $(seq 1 "$WORKERS"); do  # nodes on one host need ports and sockets of their own
    p=$((7000 + 100 * i))
    setsid ray start --address "127.0.0.1:$PORT" --node-ip-address 127.0.0.1 --num-cpus 1 \
        --node-manager-port $p --object-manager-port $((p + 1)) --metrics-export-port $((p + 2)) \
        --dashboard-agent-listen-port $((p + 3)) --dashboard-agent-grpc-port $((p + 4)) \
        --runtime-env-agent-port $((p + 5)) --min-worker-port $((p + 10)) \
        --max-worker-port $((p + 99)) --temp-dir "$WORK/w$i" \
        --resources "{\"worker$i\": 1}" --block --disable-usage-stats >"$WORK/worker$i.log" 2>&1 &
    groups+=("$!")
done
python - "$PORT" "$WORKERS" <<'PY' | tee "$WORK/nodes"
import sys, time
import ray
ray.init(address=f"127.0.0.1:{sys.argv[1]}", log_to_driver=False)
deadline = time.time() + 60
while sum(n["Alive"] for n in ray.nodes()) < int(sys.argv[2]) + 1:
    if time.time() > deadline:
        sys.exit("the worker nodes did not join within 60 s")
    time.sleep(0.2)
for n in ray.nodes():  # worker i is the node with the resource "worker<i>"
    names = [r for r in n["Resources"] if r.startswith("worker")]
    if n["Alive"] and names:
        print(f"node {names[0]} {n['NodeID']}")
PY

start=$EPOCHREALTIME
oversight run "$EXPERIMENT" --executor ray --address "127.0.0.1:$PORT" --out "$OUT" \
    --no-report >"$WORK/driver.log" 2>&1 &
driver=$!
if [ "$KILL" = 1 ]; then  # mid-experiment: a run of worker 1 stored, and worker 1 busy again
    worker1=$(awk '$2 == "worker1" { print $3 }' "$WORK/nodes")
    python - "$OUT/store.sqlite" "${groups[0]}" "$driver" "$worker1" <<'PY'
import os, signal, sqlite3, sys, time
store, root, driver, worker1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def descendants() -> dict[int, str]:
    """pid -> command line of every process under worker 1's `ray start --block` (its task
    workers have sessions of their own, so its process group is not enough)."""
    parent, args = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            parent[int(pid)] = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
            args[int(pid)] = open(f"/proc/{pid}/cmdline").read().replace("\0", " ")
        except (OSError, IndexError, ValueError):
            pass
    def under(pid: int) -> bool:
        while pid in parent and pid != root:
            pid = parent[pid]
        return pid == root
    return {p: a for p, a in args.items() if under(p)}

while True:
    try:
        os.kill(driver, 0)
    except ProcessLookupError:  # nothing left to kill: the test cannot see a node die
        sys.exit("the driver ended before worker 1 had a run stored and another running")
    try:
        done = sqlite3.connect(store).execute(  # so both workers have stored runs
            "SELECT COUNT(*) FROM runs JOIN nodes ON nodes.run = runs.key "
            "WHERE runs.status = 'done' AND nodes.node = ?", (worker1,)).fetchone()[0]
    except sqlite3.Error:  # not created yet
        done = 0
    node = descendants()
    if done >= 1 and any(a.startswith("ray::on_ray_node") for a in node.values()):
        break  # a Ray task worker names itself after the task it is running
    time.sleep(0.1)
for pid in node:
    os.kill(pid, signal.SIGKILL)
print(f"killed worker1 ({len(node)} processes) with {done} of its runs stored")
PY
fi
rc=0
wait "$driver" || rc=$?
echo "wall_seconds $(awk "BEGIN { print $EPOCHREALTIME - $start }")"
tail -n 3 "$WORK/driver.log"
exit $rc

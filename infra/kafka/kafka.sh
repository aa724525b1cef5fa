#!/usr/bin/env bash
# Fetches Apache Kafka from Maven Central with the machine's Maven and runs a
# single-node KRaft broker on 127.0.0.1. No Docker, no tarball download.
#
#   kafka.sh fetch            resolve the broker classpath into .cache/
#   kafka.sh start            fetch if needed, format storage once, start, wait until ready
#   kafka.sh stop             stop the broker started from this folder (SIGTERM, then SIGKILL)
#   kafka.sh status           exit 0 when the broker answers on its port
#   kafka.sh cluster-start    three KRaft nodes (controller and broker each) on 127.0.0.1, replication 3,
#                             min.insync.replicas 2: ports KAFKA_CLUSTER_PORT+0..2 (9192..9194), controllers +100
#   kafka.sh cluster-stop     stop the three nodes
#   kafka.sh node-start N     start node N (1-3) of the cluster again, e.g. after a kill -9 in a fault test
#   kafka.sh node-stop N      stop node N gracefully
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1),
# KAFKA_RUN_DIR (.run/<port>, for a cluster .run/cluster-<port>), KAFKA_HEAP (512m; 384m per cluster node),
# KAFKA_CLUSTER_PORT (9192).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
lib="$here/.cache/lib-$version"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
run_dir="${KAFKA_RUN_DIR:-$here/.run/$port}"
heap="${KAFKA_HEAP:-512m}"
node_id=1
voters=""
replication=1

log() { printf '[kafka.sh] %s\n' "$*" >&2; }

fetch() {
  if [ -f "$lib/.complete" ]; then return 0; fi
  log "resolving org.apache.kafka:kafka_2.13:$version from Maven Central into $lib"
  rm -rf "$lib.tmp"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$lib.tmp" -DincludeScope=runtime
  rm -rf "$lib"; mv "$lib.tmp" "$lib"
  touch "$lib/.complete"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

java_opts() {
  printf '%s\n' "-Xms$heap" "-Xmx$heap" -XX:+UseG1GC -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$here/log4j2.properties" -cp "$lib/*"
}

write_config() {
  mkdir -p "$run_dir/data"
  local min_isr=$(( replication > 1 ? 2 : 1 ))
  cat > "$run_dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$node_id
controller.quorum.voters=${voters:-1@127.0.0.1:$controller_port}
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$run_dir/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=$replication
offsets.topic.num.partitions=4
default.replication.factor=$replication
min.insync.replicas=$min_isr
transaction.state.log.replication.factor=$replication
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$replication
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
log.retention.hours=168
log.segment.bytes=67108864
PROPS
}

start() {
  if port_open "$port"; then log "something already listens on 127.0.0.1:$port"; exit 1; fi
  fetch
  write_config
  mapfile -t opts < <(java_opts)
  if [ ! -f "$run_dir/data/meta.properties" ]; then
    local cluster_id="${cluster_id:-$(java "${opts[@]}" kafka.tools.StorageTool random-uuid)}"
    java "${opts[@]}" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$run_dir/server.properties" >> "$run_dir/broker.log" 2>&1
  fi
  nohup java "${opts[@]}" kafka.Kafka "$run_dir/server.properties" >> "$run_dir/broker.log" 2>&1 &
  echo $! > "$run_dir/pid"
  for _ in $(seq 1 120); do
    if grep -q "Kafka Server started" "$run_dir/broker.log" && port_open "$port"; then
      log "broker ready on 127.0.0.1:$port (pid $(cat "$run_dir/pid"), log $run_dir/broker.log)"
      return 0
    fi
    if ! kill -0 "$(cat "$run_dir/pid")" 2>/dev/null; then
      log "broker exited during start-up; last log lines:"; tail -n 30 "$run_dir/broker.log" >&2; exit 1
    fi
    sleep 0.5
  done
  log "broker not ready after 60 s; see $run_dir/broker.log"; exit 1
}

stop() {
  local pid_file="$run_dir/pid"
  [ -f "$pid_file" ] || { log "no broker recorded in $run_dir"; return 0; }
  local pid; pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { log "broker did not stop in 30 s, killing"; kill -9 "$pid"; }
  fi
  rm -f "$pid_file"
  log "broker on port $port stopped"
}

cluster_port="${KAFKA_CLUSTER_PORT:-9192}"
cluster_dir="${KAFKA_RUN_DIR:-$here/.run/cluster-$cluster_port}"

# Points the single-node functions at node N of the cluster.
use_node() {
  node_id="$1"
  port=$((cluster_port + node_id - 1))
  controller_port=$((cluster_port + 100 + node_id - 1))
  run_dir="$cluster_dir/node-$node_id"
  voters="1@127.0.0.1:$((cluster_port + 100)),2@127.0.0.1:$((cluster_port + 101)),3@127.0.0.1:$((cluster_port + 102))"
  replication=3
  heap="${KAFKA_HEAP:-384m}"
  ensure_cluster_id
  cluster_id="$(cat "$cluster_dir/cluster-id")"
}

# One cluster id for the three nodes, made once, before they start (in parallel they would each make one).
ensure_cluster_id() {
  mkdir -p "$cluster_dir"
  if [ ! -f "$cluster_dir/cluster-id" ]; then
    fetch
    mapfile -t opts < <(java_opts)
    java "${opts[@]}" kafka.tools.StorageTool random-uuid > "$cluster_dir/cluster-id.tmp"
    mv "$cluster_dir/cluster-id.tmp" "$cluster_dir/cluster-id"
  fi
}

# The nodes wait for a quorum of controllers, so they are started together and then awaited.
cluster_start() {
  fetch
  ensure_cluster_id
  local failed=0
  for n in 1 2 3; do (use_node "$n"; start) & done
  for job in $(jobs -p); do wait "$job" || failed=1; done
  if [ "$failed" = 1 ]; then log "a node did not start; stopping the cluster"; cluster_stop; exit 1; fi
  log "cluster ready: 127.0.0.1:$cluster_port,127.0.0.1:$((cluster_port + 1)),127.0.0.1:$((cluster_port + 2))"
}

cluster_stop() {
  for n in 1 2 3; do (use_node "$n"; stop) & done
  wait
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) port_open "$port" ;;
  cluster-start) cluster_start ;;
  cluster-stop) cluster_stop ;;
  node-start) use_node "${2:?node 1-3}"; start ;;
  node-stop) use_node "${2:?node 1-3}"; stop ;;
  *) echo "usage: kafka.sh fetch|start|stop|status|cluster-start|cluster-stop|node-start N|node-stop N" >&2; exit 2 ;;
esac

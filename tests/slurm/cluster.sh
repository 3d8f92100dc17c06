#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A one-node Slurm cluster under a temporary folder, for the slurm tests and the bench.
#
#   cluster.sh start DIR [KEY=VALUE ...]   starts munged, slurmctld, slurmd; prints `export SLURM_CONF=...`
#   cluster.sh stop DIR                    stops all three by pid file (and cancels nothing: the daemons die)
#
# KEY=VALUE overrides (defaults in brackets): cpus [8] (advertised; more than the cores is allowed through
# SlurmdParameters=config_overrides), max_array [1001] (MaxArraySize), max_jobs [10000] (MaxJobCount),
# min_job_age [300] (MinJobAge), cgroup [0] (1: task/cgroup + CR_Core_Memory so --mem is enforced; needs root
# and a writable cgroup hierarchy), partition [debug].
#
# Everything lives in DIR: the munge key and socket (private: no /run/munge needed), slurm.conf, spool and
# state folders, logs and pid files. Ports are probed (6817/6818 may be taken, and two tests may run at once).
# docs/slurm.md lists the recipe facts this encodes.
set -euo pipefail

die() { echo "cluster.sh: $*" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits until a command succeeds, up to $1 tenths of a second.
wait_for() {
  local n=$1; shift
  while ! "$@" >/dev/null 2>&1; do
    n=$((n - 1)); [ "$n" -gt 0 ] || return 1
    sleep 0.1
  done
}

stop_pidfile() {
  local f=$1 pid i
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

cmd_stop() {
  local d=$1
  [ -d "$d" ] || return 0
  stop_pidfile "$d/run/slurmd.pid"
  stop_pidfile "$d/run/slurmctld.pid"
  stop_pidfile "$d/run/munged.pid"
  # slurmstepd processes of jobs still running die with their job; wait a little for them.
  return 0
}

cmd_start() {
  local d=$1; shift
  local cpus=8 max_array=1001 max_jobs=10000 min_job_age=300 cgroup=0 partition=debug kv
  for kv in "$@"; do
    case $kv in
      cpus=*) cpus=${kv#*=} ;; max_array=*) max_array=${kv#*=} ;; max_jobs=*) max_jobs=${kv#*=} ;;
      min_job_age=*) min_job_age=${kv#*=} ;; cgroup=*) cgroup=${kv#*=} ;; partition=*) partition=${kv#*=} ;;
      *) die "unknown setting '$kv' (cpus, max_array, max_jobs, min_job_age, cgroup, partition)" ;;
    esac
  done
  for b in munged mungekey slurmctld slurmd sbatch scontrol; do
    command -v "$b" >/dev/null || die "'$b' not found: run scripts/install-deps.sh (slurmctld slurmd slurm-client munge)"
  done
  [ "$(id -u)" -eq 0 ] || die "needs root (slurmd runs jobs as their users)"
  mkdir -p "$d"
  d=$(cd "$d" && pwd)
  mkdir -p "$d/munge" "$d/etc" "$d/spool/ctld" "$d/spool/d" "$d/log" "$d/run"
  # munged refuses a socket folder that is not world-executable, and a key readable by others.
  chmod 755 "$d" "$d/munge"
  mungekey -c -k "$d/munge/munge.key" -f
  chmod 600 "$d/munge/munge.key"
  munged -f --socket="$d/munge/munge.socket" --key-file="$d/munge/munge.key" \
    --pid-file="$d/run/munged.pid" --log-file="$d/log/munged.log" --seed-file="$d/munge/munged.seed" \
    || die "munged failed to start: $(tail -3 "$d/log/munged.log" 2>/dev/null)"
  wait_for 50 test -S "$d/munge/munge.socket" || die "munged made no socket"

  local ctl_port node_port host mem
  ctl_port=$(free_port); node_port=$(free_port)
  while [ "$node_port" = "$ctl_port" ]; do node_port=$(free_port); done
  host=$(hostname -s)
  # RealMemory above the hardware leaves the node INVAL: advertise what `slurmd -C` sees, less a margin.
  mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
  local task_plugin=task/none proctrack=proctrack/linuxproc select_params=CR_Core
  if [ "$cgroup" = 1 ]; then
    task_plugin=task/cgroup proctrack=proctrack/cgroup select_params=CR_Core_Memory
    cat >"$d/etc/cgroup.conf" <<CG
CgroupPlugin=autodetect
ConstrainRAMSpace=yes
ConstrainSwapSpace=yes
CG
  fi
  cat >"$d/etc/slurm.conf" <<CONF
ClusterName=mftest
# slurmctld must recognise its host by name; the address makes the name's resolution irrelevant.
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctl_port
SlurmdPort=$node_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$d/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$d/spool/ctld
SlurmdSpoolDir=$d/spool/d
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmdPidFile=$d/run/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=$proctrack
TaskPlugin=$task_plugin
SelectType=select/cons_tres
SelectTypeParameters=$select_params
SlurmdParameters=config_overrides
# Without this, a submitted batch job waits ~3 s for the next scheduling pass.
SchedulerParameters=batch_sched_delay=0
JobCompType=jobcomp/filetxt
JobCompLoc=$d/log/jobcomp.txt
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MaxArraySize=$max_array
MaxJobCount=$max_jobs
MinJobAge=$min_job_age
ReturnToService=2
MpiDefault=none
KillWait=5
InactiveLimit=0
Waittime=0
NodeName=mfnode NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$partition Nodes=mfnode Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$d/etc/slurm.conf
  slurmctld -f "$SLURM_CONF" || die "slurmctld failed to start: $(tail -5 "$d/log/slurmctld.log" 2>/dev/null)"
  wait_for 100 scontrol ping || die "slurmctld does not answer: $(tail -5 "$d/log/slurmctld.log")"
  slurmd -f "$SLURM_CONF" -N mfnode || die "slurmd failed to start: $(tail -5 "$d/log/slurmd.log" 2>/dev/null)"
  local i st=""
  for i in $(seq 150); do
    st=$(sinfo -h -N -o '%T' 2>/dev/null | head -1)
    case $st in idle|mixed|allocated) break ;; esac
    sleep 0.1
  done
  case $st in idle|mixed|allocated) ;; *)
    die "node 'mfnode' is '$st', not idle: $(tail -5 "$d/log/slurmd.log"; tail -5 "$d/log/slurmctld.log")" ;;
  esac
  echo "export SLURM_CONF=$SLURM_CONF"
}

case ${1:-} in
  start) [ $# -ge 2 ] || die "usage: cluster.sh start DIR [KEY=VALUE ...]"; d=$2; shift 2; cmd_start "$d" "$@" ;;
  stop) [ $# -eq 2 ] || die "usage: cluster.sh stop DIR"; cmd_stop "$2" ;;
  *) die "usage: cluster.sh start|stop DIR" ;;
esac

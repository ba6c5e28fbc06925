// The kube service's supervisor: a bash script that starts the control plane's processes in
// one process group (so `services down` stops them all with one signal), each logging to its
// own file, and exits as soon as any of them dies, printing which one and the tail of its log
// into the service log, which is what services.ts shows when a start fails.

export interface Component {
  name: string;
  command: string;
  args: readonly string[];
  /** Started once the API server answers /readyz (clients that would only log errors before). */
  afterReady?: boolean;
  /**
   * Stopped only after every other component has exited (etcd: an API server whose etcd is
   * gone hangs in shutdown retrying it). It runs in its own session, so the signal that
   * `services down` sends to the service's process group does not reach it first.
   */
  stopsLast?: boolean;
}

export interface SupervisorPlan {
  logs: string;
  components: readonly Component[];
  /** A command that succeeds once the API server is ready. */
  readyCheck: readonly string[];
  /** Run once after readiness, before the afterReady components (e.g. create the nodes). */
  afterReady: readonly string[];
  /** How long to wait for readiness, in half-second polls. */
  readyPolls?: number;
}

/** POSIX single quotes: the only character needing care inside them is the quote itself. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const line = (words: readonly string[]): string => words.map(shellQuote).join(' ');

/**
 * A stopsLast component outlives a supervisor that was SIGKILLed (it is not in the group):
 * its pidfile lets the next start end it, if that pid still runs exactly this command line.
 */
const lastStarter = (c: Component): string => {
  const pidFile = `"$LOGS/${c.name}.pid"`;
  const cmdline = [c.command, ...c.args].join(' ');
  return `stale=$(cat ${pidFile} 2>/dev/null)
if [ -n "$stale" ] && [ "$(tr '\\0' ' ' </proc/"$stale"/cmdline 2>/dev/null)" = ${shellQuote(cmdline + ' ')} ]; then
  say "ending ${c.name} left running by an earlier start (pid $stale)"
  kill -TERM "$stale"
  while kill -0 "$stale" 2>/dev/null; do sleep 0.1; done
fi
start ${line([c.name, 'setsid', c.command, ...c.args])}
LAST+=($!)
echo $! >${pidFile}`;
};

const starter = (c: Component): string =>
  c.stopsLast ? lastStarter(c) : `start ${line([c.name, c.command, ...c.args])}`;

export function renderSupervisor(plan: SupervisorPlan): string {
  const first = plan.components.filter((c) => !c.afterReady);
  const later = plan.components.filter((c) => c.afterReady);
  const polls = plan.readyPolls ?? 240;
  return `#!/bin/bash
# Written by LCS deploy/local/kube-run.ts on every start; edit that file instead.
set -u
LOGS=${shellQuote(plan.logs)}
mkdir -p "$LOGS"
declare -A NAMES
LAST=()
say() { printf '[kube] %s %s\\n' "$(date -u +%FT%TZ)" "$*"; }
start() {
  local name=$1
  shift
  "$@" >>"$LOGS/$name.log" 2>&1 &
  NAMES[$!]=$name
  say "$name started (pid $!, log $LOGS/$name.log)"
}
# The others first (given 20 s before SIGKILL), then the stopsLast ones.
stop_all() {
  trap '' TERM INT
  local pid others
  for pid in "\${!NAMES[@]}"; do [[ " \${LAST[*]} " == *" $pid "* ]] || kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 1 80); do
    others=
    for pid in "\${!NAMES[@]}"; do
      [[ " \${LAST[*]} " == *" $pid "* ]] || ! kill -0 "$pid" 2>/dev/null || others=1
    done
    [ -z "$others" ] && break
    sleep 0.25
  done
  for pid in "\${!NAMES[@]}"; do [[ " \${LAST[*]} " == *" $pid "* ]] || kill -KILL "$pid" 2>/dev/null; done
  for pid in "\${LAST[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  wait
}
trap 'stop_all; exit 0' TERM INT
# A component that died: name it, show why, take the others down, fail.
died() {
  local name=$1 code=$2
  say "$name exited with code $code; last 30 lines of $LOGS/$name.log:"
  tail -n 30 "$LOGS/$name.log"
  stop_all
  exit 1
}
alive() {
  local pid
  for pid in "\${!NAMES[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"
      died "\${NAMES[$pid]}" $?
    fi
  done
}

${first.map(starter).join('\n')}
ready=
for _ in $(seq 1 ${polls}); do
  alive
  if ${line(plan.readyCheck)} >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  say "the API server was not ready after $((${polls} / 2)) s"
  tail -n 30 "$LOGS/kube-apiserver.log"
  stop_all
  exit 1
fi
say "API server ready"
${line(plan.afterReady)} || { say "setting up after readiness failed"; stop_all; exit 1; }
${later.map(starter).join('\n')}
wait -n -p gone
code=$?
died "\${NAMES[$gone]}" "$code"
`;
}

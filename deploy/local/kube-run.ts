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

const starter = (c: Component): string => `start ${line([c.name, c.command, ...c.args])}`;

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
say() { printf '[kube] %s %s\\n' "$(date -u +%FT%TZ)" "$*"; }
start() {
  local name=$1
  shift
  "$@" >>"$LOGS/$name.log" 2>&1 &
  NAMES[$!]=$name
  say "$name started (pid $!, log $LOGS/$name.log)"
}
# A component that died: name it, show why, take the others down, fail.
died() {
  local name=$1 code=$2
  say "$name exited with code $code; last 30 lines of $LOGS/$name.log:"
  tail -n 30 "$LOGS/$name.log"
  kill "\${!NAMES[@]}" 2>/dev/null
  wait
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
  kill "\${!NAMES[@]}" 2>/dev/null
  exit 1
fi
say "API server ready"
${line(plan.afterReady)} || { say "setting up after readiness failed"; kill "\${!NAMES[@]}"; exit 1; }
${later.map(starter).join('\n')}
wait -n -p gone
code=$?
died "\${NAMES[$gone]}" "$code"
`;
}

// Container runtime line formats. CRI (containerd, CRI-O): `<RFC3339Nano> <stream> <P|F> <log>`,
// P marking a partial line the runtime split (16 KiB). Docker json-file: one JSON object
// `{"log":"…\n","stream":"stdout","time":"…"}` per line, a `log` without the trailing
// newline being a partial line.

export interface ContainerLine {
  content: string;
  partial: boolean;
  stream: string;
  timestamp?: string;
}

const CRI = /^(\S+) (stdout|stderr) ([PF])(?: (.*))?$/s;

export function parseCri(text: string): ContainerLine | undefined {
  const m = CRI.exec(text);
  if (!m) return undefined;
  const d = new Date(m[1]!);
  return {
    content: m[4] ?? '',
    partial: m[3] === 'P',
    stream: m[2]!,
    ...(Number.isNaN(d.getTime())
      ? {}
      : { timestamp: m[1]!.includes('.') ? preciseIso(m[1]!, d) : d.toISOString() }),
  };
}

export function parseDocker(text: string): ContainerLine | undefined {
  if (!text.startsWith('{')) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || typeof (o as { log?: unknown }).log !== 'string')
    return undefined;
  const { log, stream, time } = o as { log: string; stream?: unknown; time?: unknown };
  const partial = !log.endsWith('\n');
  const d = typeof time === 'string' ? new Date(time) : undefined;
  return {
    content: partial ? log : log.slice(0, -1),
    partial,
    stream: typeof stream === 'string' ? stream : 'stdout',
    ...(d && !Number.isNaN(d.getTime()) ? { timestamp: preciseIso(time as string, d) } : {}),
  };
}

/** Keeps sub-millisecond digits Date would drop (nanosecond order matters in Kibana). */
function preciseIso(raw: string, d: Date): string {
  const frac = /\.(\d+)/.exec(raw)?.[1];
  const iso = d.toISOString();
  if (!frac || frac.length <= 3) return iso;
  return iso.replace(/\.\d{3}Z$/, `.${frac.slice(0, 9)}Z`);
}

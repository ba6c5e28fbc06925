// Structured JSON-lines logger. Injected everywhere; tests pass a capturing one.

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(opts: {
  level?: Level;
  write?: (line: string) => void;
  now?: () => number;
  base?: Fields;
}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = opts.now ?? Date.now;
  const make = (base: Fields): Logger => {
    const emit = (level: Level, msg: string, fields?: Fields) => {
      if (ORDER[level] < min) return;
      write(
        JSON.stringify(
          { time: new Date(now()).toISOString(), level, msg, ...base, ...fields },
          errorReplacer,
        ),
      );
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (f) => make({ ...base, ...f }),
    };
  };
  return make(opts.base ?? {});
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { message: value.message, ...(code === undefined ? {} : { code }) };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A logger that drops everything (for tests that do not inspect logs). */
export const silentLogger: Logger = createLogger({ write: () => {} });

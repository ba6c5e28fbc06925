// What an InfluxDB refusal means for the person running LCS, naming the setting to change or
// the privilege to grant. InfluxDB answers a wrong password with "authorization failed", a
// missing privilege with `"u" user is not authorized to write to database "d"` or "requires
// READ on d", and says nothing of which LCS setting holds the user: the component passes the
// names of its settings (metrics.influx.* or console.influxdb.*) and what it was doing.
// Pure: the component hands in the HTTP status and the body it got.

export interface InfluxAccess {
  /** What the component does: the metrics service writes, the console reads. */
  operation: 'write' | 'read';
  /** The database (API 1) or bucket (API 2) the request was about. */
  database?: string;
  /** The user the credentials name, if any (API 1). */
  user?: string;
  /** The settings that hold the credentials, e.g. "metrics.influx.username and metrics.influx.passwordFile". */
  credentials: string;
  /** The setting that names the database or bucket, e.g. "metrics.influx.database". */
  databaseSetting: string;
}

/** InfluxDB's error text: `{"error": …}` (1.x) or `{"message": …}` (2.x and 1.8's v2 API), else the body. */
export function influxErrorText(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON: a proxy's page, or plain text
  }
  return body.trim();
}

const quoteIdent = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The problem behind an InfluxDB refusal with the setting or GRANT to change; undefined when unknown. */
export function influxProblem(status: number, body: string, access: InfluxAccess): string | undefined {
  const text = influxErrorText(body);
  const db = access.database;
  if (status === 401) {
    if (/unable to parse authentication credentials|token required|no authorization/i.test(text))
      return `InfluxDB requires authentication and got no credentials (${text}): set ${access.credentials}`;
    const whose = access.user !== undefined ? ` of user ${access.user}` : '';
    return `InfluxDB refused the credentials${whose} (${text}): check ${access.credentials}`;
  }
  if (status === 403) {
    // 1.x: `"u" user is not authorized to write to database "d"`; `u not authorized to execute
    // statement '…', requires READ on d`. 2.x: "insufficient permissions for write".
    const privilege = access.operation === 'write' ? 'WRITE' : 'READ';
    const m = /requires (READ|WRITE|ALL PRIVILEGES) on (\S+)/i.exec(text);
    const needed = m ? m[1]!.toUpperCase() : privilege;
    const on = m ? m[2]! : db;
    const who = access.user ?? '(the user of the token)';
    const grant =
      on !== undefined && access.user !== undefined
        ? `GRANT ${needed} ON ${quoteIdent(on)} TO ${quoteIdent(access.user)}`
        : `grant ${needed} on ${on ?? 'the database'} to ${who}`;
    return `InfluxDB user ${who} may not ${access.operation === 'write' ? 'write to' : 'read'} ${on ?? 'the database'} (${text}): ${grant}, or use another user in ${access.credentials}`;
  }
  if (status === 404 && /database not found|bucket .*not found|not found/i.test(text))
    return `InfluxDB has no ${db !== undefined ? `database ${db}` : 'such database'} (${text}): create it${db !== undefined && access.databaseSetting.includes('database') ? ` (CREATE DATABASE ${quoteIdent(db)})` : ''} or check ${access.databaseSetting}`;
  return undefined;
}

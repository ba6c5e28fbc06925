// One InfluxDB point. A field's JS type is its InfluxDB type: bigint → integer, number →
// float, string → string, boolean → boolean. Keeping the type in the value (not in a side
// table) means a collector cannot write `used` as a float by accident: the first point of a
// series fixes a field's type in an InfluxDB shard, and a later conflicting write fails.

export type FieldValue = bigint | number | string | boolean;

export interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  /** Unix time in seconds (the writers use precision s). */
  time: number;
}

/** An integer field from a counter parsed as a JS number (truncated, never rounded up). */
export const int = (n: number): bigint => BigInt(Math.trunc(Number.isFinite(n) ? n : 0));

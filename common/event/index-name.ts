// Where an event lands in Elasticsearch: `<index>-YYYY.MM.DD`, the UTC date of its @timestamp,
// so one index holds one day and old days can be dropped whole. `<index>-*` covers every day
// (the index template's pattern, and what to search).

const pad = (n: number) => String(n).padStart(2, '0');

/** `<base>-YYYY.MM.DD` in UTC from the event's @timestamp (fallback: the record's time). */
export function dailyIndex(base: string, timestamp: string | undefined, fallbackMs: number): string {
  let d = timestamp ? new Date(timestamp) : new Date(fallbackMs);
  if (Number.isNaN(d.getTime())) d = new Date(fallbackMs);
  return `${base}-${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1)}.${pad(d.getUTCDate())}`;
}

/** The pattern that matches every daily index of `base`. */
export const everyDay = (base: string): string => `${base}-*`;

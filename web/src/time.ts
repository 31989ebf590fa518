// Time in the exchange's zone. The chart's axis shows exchange wall-clock time: each
// slot is given to the chart as "its local time read as UTC" (lightweight-charts lays
// ticks out in UTC), which is how its documentation says to show another time zone.

/** The calendar's zone (chronox's calendars are the US equity exchanges'). */
export const EXCHANGE_ZONE = "America/New_York";

const DAY_SECONDS = 86_400;

const parts = new Intl.DateTimeFormat("en-US", {
  timeZone: EXCHANGE_ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** Seconds since the epoch of an ISO-8601 instant. */
export function epochSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

/** The exchange's UTC offset at an instant, in seconds (-18000 for EST). */
export function zoneOffset(epoch: number): number {
  const fields: Record<string, number> = {};
  for (const part of parts.formatToParts(new Date(epoch * 1000))) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  const local = Date.UTC(
    fields["year"] ?? 1970,
    (fields["month"] ?? 1) - 1,
    fields["day"] ?? 1,
    fields["hour"] ?? 0,
    fields["minute"] ?? 0,
    fields["second"] ?? 0,
  );
  return Math.round(local / 1000 - Math.floor(epoch));
}

/** Today's date at the exchange, YYYY-MM-DD. */
export function exchangeToday(now = Date.now() / 1000): string {
  return isoDate(now + zoneOffset(now));
}

/** The UTC date of epoch seconds, YYYY-MM-DD. */
export function isoDate(epoch: number): string {
  return new Date(Math.floor(epoch) * 1000).toISOString().slice(0, 10);
}

/** 00:00 UTC of a YYYY-MM-DD date, in epoch seconds. */
export function dateEpoch(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

export function addDays(day: string, days: number): string {
  return isoDate(dateEpoch(day) + days * DAY_SECONDS);
}

export function isDate(text: string | null): text is string {
  return text !== null && /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text));
}

/** An instant as the exchange's wall clock: "2024-11-05 09:30". */
export function exchangeTime(iso: string): string {
  const epoch = epochSeconds(iso);
  return new Date((epoch + zoneOffset(epoch)) * 1000).toISOString().slice(0, 16).replace("T", " ");
}

/** A duration in words: "3 min", "2 h 5 min", "4 d". */
export function duration(seconds: number): string {
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < DAY_SECONDS) {
    const minutes = Math.round((seconds % 3600) / 60);
    return `${Math.floor(seconds / 3600)} h${minutes ? ` ${minutes} min` : ""}`;
  }
  return `${Math.round(seconds / DAY_SECONDS)} d`;
}

/** A window `[start, end)` as people read it: exchange times ("2024-11-05 09:30 to
 * 10:30"), or for daily slots the sessions' dates, the last one inclusive. */
export function windowLabel(start: string, end: string, daily: boolean): [string, string] {
  if (daily) return [isoDate(epochSeconds(start)), isoDate(epochSeconds(end) - 1)];
  return [exchangeTime(start), exchangeTime(end)];
}

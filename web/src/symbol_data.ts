// What the symbol view reads: the sessions of its window, the bars in pages, what is
// missing (gaps with holes) and the ledger's spans. Reads only the API.
import { ApiError, getJson, request, url } from "./api";
import { columnsOf } from "./bar_columns";
import type { Bar, BarColumns, BarsPage, Basis, SymbolsPage, CoverageSpan, Gap, Session, SessionKind, SymbolEntry, Timeframe } from "./types";
import { addDays, exchangeToday, isoDate, epochSeconds } from "./time";

/** Sessions shown when the address names none: about a screen of candles each. */
export const DEFAULT_SESSIONS: Record<Timeframe, number> = { "1m": 5, "5m": 15, "15m": 40, "1h": 120, "1d": 260 };
/** Bars per page (the API's most). */
const PAGE = 50_000;
const PARQUET = "application/vnd.apache.parquet";

export interface WindowQuery {
  symbol: string;
  timeframe: Timeframe;
  adjust: Basis;
  day: string | null;
  sessions: number;
  start: string | null;
  end: string | null;
}

/** The symbol's registry entry, or null when it is not registered. Read as the page
 * of the registry that starts at the symbol, so an unregistered one is a 200 (a 404
 * would be logged by the browser as a failed load). */
export async function registryEntry(symbol: string, signal: AbortSignal): Promise<SymbolEntry | null> {
  const page = await getJson<SymbolsPage>(url("/symbols", { cursor: symbol, limit: 1 }), signal);
  const entry = page.symbols[0];
  return entry?.symbol === symbol ? entry : null;
}

export function coverageOf(symbol: string, timeframe: Timeframe, signal: AbortSignal): Promise<CoverageSpan[]> {
  return getJson<CoverageSpan[]>(url(`/coverage/${encodeURIComponent(symbol)}`, { timeframe }), signal);
}

/** The sessions to show: `start`..`end` when given; else `count` sessions around
 * `day` (the focus, two thirds along), or up to the day the ledger last covered. */
export async function sessionsFor(
  q: WindowQuery,
  kind: SessionKind,
  coverage: readonly CoverageSpan[],
  signal: AbortSignal,
): Promise<{ sessions: Session[]; focus: string | null }> {
  if (q.start || q.end) {
    const start = q.start ?? addDays(q.end as string, -7);
    const end = q.end ?? exchangeToday();
    const sessions = await getJson<Session[]>(url("/sessions", { start, end, session: kind }), signal);
    return { sessions, focus: q.day };
  }
  const today = exchangeToday();
  const last = coverage.at(-1);
  const day = q.day ?? (last ? isoDate(epochSeconds(last.end) - 1) : today);
  const after = day >= today ? 0 : Math.floor((q.sessions - 1) / 3);
  const before = q.sessions - 1 - after;
  // Calendar days that hold that many sessions, with room for holidays.
  const from = addDays(day, -Math.ceil(before * 1.5) - 7);
  const to = addDays(day, Math.ceil(after * 1.5) + 7);
  const found = await getJson<Session[]>(url("/sessions", { start: from, end: to, session: kind }), signal);
  let at = 0;
  found.forEach((session, i) => {
    if (session.date <= day) at = i;
  });
  const first = Math.max(0, at - before);
  const sessions = found.slice(first, at + after + 1);
  const focus = sessions.some((s) => s.date === day) ? day : (found[at]?.date ?? null);
  return { sessions, focus };
}

/** Windows of more slots than this are read as one Parquet file when the API can
 * write one (JSON pages otherwise). */
const PARQUET_FROM_SLOTS = 20_000;
/** Whether this API writes Parquet (null: not asked yet); without pyarrow it answers 400. */
let parquetServed: boolean | null = null;

export interface LoadedBars {
  columns: BarColumns;
  derived: boolean;
  demo: boolean;
}

/** Every bar of the window; `progress` hears the count so far. */
export async function barsOf(
  q: WindowQuery,
  sessions: readonly Session[],
  expectedSlots: number,
  signal: AbortSignal,
  progress: (count: number) => void,
): Promise<LoadedBars> {
  const first = sessions[0];
  const last = sessions.at(-1);
  if (!first || !last) return { columns: columnsOf([]), derived: false, demo: false };
  const range = { timeframe: q.timeframe, start: first.date, end: last.date, adjust: q.adjust };
  const path = `/bars/${encodeURIComponent(q.symbol)}`;
  if (expectedSlots >= PARQUET_FROM_SLOTS && parquetServed !== false) {
    try {
      const reader = import("./parquet_bars"); // loads while the file is read
      const response = await request(url(path, { ...range, format: "parquet" }), { signal, headers: { Accept: PARQUET } });
      const file = await response.arrayBuffer();
      const { readParquetBars } = await reader;
      const { columns, series } = await readParquetBars(file);
      parquetServed = true;
      progress(columns.length);
      return { columns, derived: Boolean(series["derived_from"]), demo: series["demo"] === "True" };
    } catch (error) {
      // An API without pyarrow refuses Parquet in one line: JSON pages then, from now on.
      if (!(error instanceof ApiError && error.status === 400 && /parquet/i.test(error.message))) throw error;
      parquetServed = false;
    }
  }
  let bars: Bar[] = [];
  let cursor: string | null = null;
  let derived = false;
  let demo = false;
  do {
    const page: BarsPage = await getJson<BarsPage>(url(path, { ...range, limit: PAGE, cursor }), signal);
    bars = bars.length ? bars.concat(page.bars) : page.bars;
    derived ||= page.derived_from !== null;
    demo ||= page.demo;
    cursor = page.next_cursor;
    progress(bars.length);
  } while (cursor);
  return { columns: columnsOf(bars), derived, demo };
}

export function gapsOf(q: WindowQuery, kind: SessionKind, sessions: readonly Session[], signal: AbortSignal): Promise<Gap[]> {
  const first = sessions[0];
  const last = sessions.at(-1);
  if (!first || !last) return Promise.resolve([]);
  return getJson<Gap[]>(
    url(`/gaps/${encodeURIComponent(q.symbol)}`, {
      timeframe: q.timeframe,
      start: first.date,
      end: last.date,
      session: kind,
      holes: true,
    }),
    signal,
  );
}

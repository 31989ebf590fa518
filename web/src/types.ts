// The API's JSON shapes, as chronox_presentation's response models dump them.

export type Timeframe = "1m" | "5m" | "15m" | "1h" | "1d";
export type SessionKind = "rth" | "eth";
export type Basis = "none" | "splits" | "all";

export const TIMEFRAMES: readonly Timeframe[] = ["1m", "5m", "15m", "1h", "1d"];
export const BASES: readonly Basis[] = ["none", "splits", "all"];

/** Seconds per slot of each timeframe. */
export const STEP_SECONDS: Record<Timeframe, number> = {
  "1m": 60,
  "5m": 300,
  "15m": 900,
  "1h": 3600,
  "1d": 86400,
};

export function isTimeframe(text: string | null): text is Timeframe {
  return text !== null && (TIMEFRAMES as readonly string[]).includes(text);
}

export function isBasis(text: string | null): text is Basis {
  return text !== null && (BASES as readonly string[]).includes(text);
}

/** GET /coverage/matrix: one digit per day and symbol, an index into `states`. */
export interface Matrix {
  timeframe: string;
  session: string;
  days: string[];
  states: string[];
  rows: MatrixRow[];
  demo: boolean;
}

export interface MatrixRow {
  symbol: string;
  codes: string;
  percent: number[];
  complete: number | null;
}

export interface Bar {
  start: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap?: number | null;
  trades?: number | null;
}

export interface BarsPage {
  symbol: string;
  timeframe: string;
  bars: Bar[];
  derived_from: "1m" | null;
  demo: boolean;
  next_cursor: string | null;
  adjust: Basis;
}

/** A frame of /ws/bars (LiveBarOut). */
export interface LiveBar extends Bar {
  symbol: string;
  timeframe: string;
  provisional: boolean;
  source: string;
  demo: boolean;
  adjust: Basis;
}

export type MissingKind = "gap" | "hole" | "unconfirmed" | "unlisted";

export interface Gap {
  symbol: string;
  timeframe: string;
  start: string;
  end: string;
  bars: number;
  kind: MissingKind;
}

export type CoverageStatus = "final" | "provisional" | "unconfirmed";

export interface CoverageSpan {
  start: string;
  end: string;
  status: CoverageStatus;
  source: string;
  answered_at: string | null;
  ticker: string | null;
  etag: string | null;
}

export interface CoverageSummary {
  symbol: string;
  timeframe: string;
  start: string;
  end: string;
  expected: number;
  final: number;
  provisional: number;
  unconfirmed: number;
  missing: number;
  percent: number | null;
}

export interface Session {
  date: string;
  open: string;
  close: string;
  early_close: boolean;
}

export type JobState = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export interface Job {
  id: string;
  state: JobState;
  symbols: string[];
  done: number;
  total: number;
  counts: Record<string, number>;
  error: string | null;
  worker: string | null;
  attempts: number;
  kind?: "backfill" | "day_file";
  timeframe?: string | null;
}

export interface JobsPage {
  jobs: Job[];
  next_cursor: string | null;
  unreadable: string[];
}

export interface Health {
  status: "ok" | "degraded";
  store: string;
  events: string;
  vendor: string;
}

export interface Info {
  version: string;
  store: string;
  source: string;
  demo: boolean;
  calendar: string;
  counts: Record<string, number>;
}

export interface SymbolEntry {
  symbol: string;
  timeframes: Timeframe[];
  session: SessionKind;
  active: boolean;
  follow_renames: boolean;
}

export interface SymbolsPage {
  symbols: SymbolEntry[];
  next_cursor: string | null;
}

/** Bars as columns (a year of minutes without an object per bar): `start` in epoch
 * seconds, ascending. */
export interface BarColumns {
  length: number;
  start: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

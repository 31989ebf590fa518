// The calendar-slot axis: one point per expected bar slot of the shown sessions, and
// nothing else. Closed hours, weekends and holidays take no room; a slot inside a
// session without a bar stays a point with no candle (a visible hole, never
// interpolated). The grid is the domain's (chronox_domain.session.slot_window, as the
// monitor's chart/slots.py): intraday slots aligned on the UTC epoch, the session
// widened to that grid; a daily slot is its session's date at 00:00 UTC.
import type { Session, Timeframe } from "./types";
import { STEP_SECONDS } from "./types";
import { dateEpoch, epochSeconds, zoneOffset } from "./time";

export class SlotAxis {
  readonly step: number;
  /** Every slot's start (UTC epoch seconds) over the sessions, ascending. */
  private readonly all: Float64Array;
  /** The chart's time of each slot: exchange wall clock read as UTC (a day: its date). */
  private readonly local: Float64Array;
  /** Index of each session's first slot, and the total at the end. */
  readonly sessionFirst: Int32Array;
  /** Slots shown: those that have ended (a slot still running is not missing yet). */
  length: number;

  constructor(
    readonly sessions: readonly Session[],
    readonly timeframe: Timeframe,
    now = Date.now() / 1000,
  ) {
    this.step = STEP_SECONDS[timeframe];
    const daily = timeframe === "1d";
    const windows = sessions.map((session) => {
      if (daily) {
        const day = dateEpoch(session.date);
        return { start: day, end: day + this.step, offset: 0 };
      }
      const open = epochSeconds(session.open);
      const close = epochSeconds(session.close);
      const start = Math.floor(open / this.step) * this.step;
      const end = Math.ceil(close / this.step) * this.step;
      // A session lies within one exchange date and clocks change at night: one
      // offset per session labels all of its slots right across DST.
      return { start, end, offset: zoneOffset(open) };
    });
    const total = windows.reduce((sum, w) => sum + Math.max(0, (w.end - w.start) / this.step), 0);
    this.all = new Float64Array(total);
    this.local = new Float64Array(total);
    this.sessionFirst = new Int32Array(sessions.length + 1);
    let at = 0;
    windows.forEach((w, i) => {
      this.sessionFirst[i] = at;
      for (let t = w.start; t < w.end; t += this.step) {
        this.all[at] = t;
        this.local[at] = t + w.offset;
        at += 1;
      }
    });
    this.sessionFirst[sessions.length] = at;
    this.length = this.endedBy(now);
  }

  /** The start (UTC epoch seconds) of a slot. */
  start(slot: number): number {
    return this.all[slot] ?? NaN;
  }

  /** The chart's time of a slot. */
  chartTime(slot: number): number {
    return this.local[slot] ?? NaN;
  }

  /** The slot starting at `epoch` (a bar's start), or -1 when no slot starts then. */
  indexOf(epoch: number): number {
    const at = lowerBound(this.all, epoch);
    return at < this.all.length && this.all[at] === epoch ? at : -1;
  }

  /** How many slots start before `epoch`: `[a, b)` covers slots
   * `[slotsBefore(a), slotsBefore(b))` (a coverage span to ribbon slots). */
  slotsBefore(epoch: number): number {
    return Math.min(lowerBound(this.all, epoch), this.length);
  }

  /** The slot (shown or not yet) that holds the instant `epoch`, or -1. */
  containing(epoch: number): number {
    const at = upperBound(this.all, epoch) - 1;
    return at >= 0 && epoch < (this.all[at] as number) + this.step ? at : -1;
  }

  /** The slots `[first, end)` that overlap the instants `[start, end)`: a window of
   * the 1m ledger on a coarser axis covers every slot it touches. */
  overlapping(start: number, end: number): [number, number] {
    const first = Math.min(lowerBound(this.all, start - this.step + 1), this.length);
    return [first, Math.max(first, this.slotsBefore(end))];
  }

  /** The session (its index) a slot belongs to. */
  sessionAt(slot: number): number {
    return Math.max(0, upperBound(this.sessionFirst, slot) - 1);
  }

  /** Slots `[first, end)` of the session dated `day`, or null. */
  slotsOf(day: string): [number, number] | null {
    const i = this.sessions.findIndex((session) => session.date === day);
    if (i < 0) return null;
    return [this.sessionFirst[i] ?? 0, Math.min(this.sessionFirst[i + 1] ?? 0, this.length)];
  }

  /** Show every slot ended by `now` (a live bar's slot included): the new length. */
  growTo(now: number): number {
    this.length = Math.max(this.length, this.endedBy(now));
    return this.length;
  }

  /** The UTC range `[start, end)` of slots `[first, end)` (a backfill's window). */
  span(first: number, end: number): [number, number] {
    return [this.start(first), this.start(Math.max(first, end - 1)) + this.step];
  }

  private endedBy(now: number): number {
    return lowerBound(this.all, now - this.step + 1);
  }
}

/** The first index whose value is >= `value` (values ascending). */
export function lowerBound(values: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index whose value is > `value`. */
export function upperBound(values: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

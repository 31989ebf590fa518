// Live bars of a timeframe made from 1m bars: the feed carries minutes, and a coarser
// slot is read again from the API once its minutes stop arriving for a moment (the
// API rolls it up; adding minutes here would count a corrected minute twice).
import { getJson, url } from "./api";
import type { SlotAxis } from "./slots";
import type { Bar, BarsPage, Basis, LiveBar, Timeframe } from "./types";
import { epochSeconds } from "./time";

/** Quiet time after a minute before its slots are read (a backfill sends bursts). */
const SETTLE_MS = 400;

export class Rollup {
  private readonly dirty = new Set<number>();
  private readonly provisional = new Set<number>();
  private timer: number | undefined;
  private stopped = false;

  constructor(
    private readonly symbol: string,
    private readonly timeframe: Timeframe,
    private readonly adjust: Basis,
    private readonly axis: () => SlotAxis | null,
    private readonly onBars: (bars: Bar[], provisional: (bar: Bar) => boolean) => void,
  ) {}

  /** A minute arrived: its slot is read again shortly. False: no slot shown holds it. */
  minute(bar: LiveBar): boolean {
    const axis = this.axis();
    const slot = axis ? axis.containing(epochSeconds(bar.start)) : -1;
    if (slot < 0) return false;
    this.dirty.add(slot);
    if (bar.provisional) this.provisional.add(slot);
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.flush(), SETTLE_MS);
    return true;
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
  }

  private async flush(): Promise<void> {
    const axis = this.axis();
    if (!axis || this.dirty.size === 0 || this.stopped) return;
    const slots = [...this.dirty];
    const provisional = new Set(this.provisional);
    this.dirty.clear();
    this.provisional.clear();
    const first = Math.min(...slots);
    const last = Math.max(...slots);
    const iso = (epoch: number) => new Date(epoch * 1000).toISOString().replace(".000Z", "Z");
    try {
      const page = await getJson<BarsPage>(
        url(`/bars/${encodeURIComponent(this.symbol)}`, {
          timeframe: this.timeframe,
          start: iso(axis.start(first)),
          end: iso(axis.start(last) + axis.step),
          adjust: this.adjust,
          limit: 50_000,
        }),
      );
      if (this.stopped) return;
      const wanted = new Set(slots);
      const bars = page.bars.filter((bar) => wanted.has(axis.containing(epochSeconds(bar.start))));
      this.onBars(bars, (bar) => provisional.has(axis.containing(epochSeconds(bar.start))));
    } catch {
      // The next minute, or the next load, reads it again.
    }
  }
}

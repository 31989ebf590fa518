// Candles and volume on the calendar-slot axis, drawn by lightweight-charts. Every
// slot of the axis is one point of both series: a bar where the store has one, a
// whitespace point where it has none (the chart leaves the slot empty: a visible hole,
// never interpolated). Points are indexed by slot, so a logical index of the chart is a
// slot number, which is how the ribbon under it lines up.
import type {
  CandlestickData,
  HistogramData,
  IChartApi,
  ISeriesApi,
  LogicalRange,
  MouseEventParams,
  Time,
  UTCTimestamp,
  WhitespaceData,
} from "lightweight-charts";
import { CandlestickSeries, ColorType, CrosshairMode, HistogramSeries, TickMarkType, createChart } from "lightweight-charts";
import { h } from "./dom";
import { CHART } from "./palette";
import type { SlotAxis } from "./slots";
import type { Bar, BarColumns } from "./types";
import { epochSeconds } from "./time";

type Candle = CandlestickData<UTCTimestamp> | WhitespaceData<UTCTimestamp>;
type Volume = HistogramData<UTCTimestamp> | WhitespaceData<UTCTimestamp>;

export interface Placed {
  /** Bars placed in their slots. */
  placed: number;
  /** Bars whose start is no slot of the axis (outside the sessions shown). */
  outside: number;
}

export class CandleChart {
  readonly element = h("div", { class: "chart", testid: "chart" });
  private readonly chart: IChartApi;
  private readonly candles: ISeriesApi<"Candlestick", UTCTimestamp>;
  private readonly volume: ISeriesApi<"Histogram", UTCTimestamp>;
  private axis: SlotAxis | null = null;
  /** Which slots hold a bar, and which of them are provisional (drawn hollow). */
  private filled = new Uint8Array(0);

  constructor() {
    this.chart = createChart(this.element, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: CHART.background },
        textColor: CHART.text,
        fontFamily: "system-ui, sans-serif",
        // The logo's link injects an inline <style>, which the API's CSP refuses;
        // the attribution is in the page's footer instead.
        attributionLogo: false,
        panes: { separatorColor: CHART.border },
      },
      grid: { vertLines: { color: CHART.grid }, horzLines: { color: CHART.grid } },
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderColor: CHART.border },
      timeScale: {
        borderColor: CHART.border,
        timeVisible: true,
        secondsVisible: false,
        minBarSpacing: 0.01,
        enableConflation: true,
        rightOffset: 4,
        tickMarkFormatter: tickLabel,
      },
      localization: { dateFormat: "yyyy-MM-dd" },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: CHART.up,
      downColor: CHART.down,
      borderUpColor: CHART.up,
      borderDownColor: CHART.down,
      wickUpColor: CHART.up,
      wickDownColor: CHART.down,
      priceLineVisible: false,
    }) as ISeriesApi<"Candlestick", UTCTimestamp>;
    this.volume = this.chart.addSeries(
      HistogramSeries,
      { priceFormat: { type: "volume" }, priceLineVisible: false, lastValueVisible: false },
      1,
    ) as ISeriesApi<"Histogram", UTCTimestamp>;
    const [main, lower] = this.chart.panes();
    main?.setStretchFactor(3);
    lower?.setStretchFactor(1);
  }

  /** Lay out `axis` and put `bars` (sorted by start) in their slots. */
  show(axis: SlotAxis, bars: BarColumns): Placed {
    this.axis = axis;
    const n = axis.length;
    const candles: Candle[] = new Array(n);
    const volume: Volume[] = new Array(n);
    this.filled = new Uint8Array(n);
    // Both sorted: one merge walk places every bar (no search per bar); a slot
    // without a bar is a whitespace point.
    let at = 0;
    let placed = 0;
    const { start, open, high, low, close } = bars;
    for (let slot = 0; slot < n; slot += 1) {
      const time = axis.chartTime(slot) as UTCTimestamp;
      const slotStart = axis.start(slot);
      while (at < bars.length && (start[at] as number) < slotStart) at += 1;
      if (at < bars.length && start[at] === slotStart) {
        const o = open[at] as number;
        const c = close[at] as number;
        candles[slot] = { time, open: o, high: high[at] as number, low: low[at] as number, close: c };
        volume[slot] = { time, value: bars.volume[at] as number, color: c >= o ? CHART.volumeUp : CHART.volumeDown };
        this.filled[slot] = 1;
        placed += 1;
        at += 1;
      } else {
        candles[slot] = { time };
        volume[slot] = { time };
      }
    }
    performance.mark("chronox:chart-points-built");
    this.candles.setData(candles);
    performance.mark("chronox:chart-candles-set");
    this.volume.setData(volume);
    return { placed, outside: bars.length - placed };
  }

  /** A live bar (or one a backfill just wrote) in its slot: true when the axis has it. */
  put(bar: Bar, provisional: boolean): boolean {
    const axis = this.axis;
    if (!axis) return false;
    const start = epochSeconds(bar.start);
    let slot = axis.indexOf(start);
    if (slot < 0) return false;
    if (slot >= axis.length) {
      // A slot past the last one shown (a new minute of today): the axis grows to it.
      const from = axis.length;
      axis.growTo(start + axis.step);
      const grown = new Uint8Array(axis.length);
      grown.set(this.filled);
      this.filled = grown;
      for (let s = from; s < axis.length; s += 1) {
        const time = axis.chartTime(s) as UTCTimestamp;
        this.candles.update({ time });
        this.volume.update({ time });
      }
      slot = axis.indexOf(start);
    }
    const time = axis.chartTime(slot) as UTCTimestamp;
    const historical = slot < axis.length - 1;
    this.candles.update(candle(time, bar, provisional), historical);
    this.volume.update(volumeBar(time, bar, provisional), historical);
    this.filled[slot] = provisional ? 2 : 1;
    return true;
  }

  /** Whether a slot holds a bar (1), a provisional bar (2), or nothing (0). */
  slotState(slot: number): number {
    return this.filled[slot] ?? 0;
  }

  /** Show slots `[first, end)` with a little room around them. */
  reveal(first: number, end: number): void {
    const margin = Math.max(2, Math.round((end - first) * 0.05));
    this.chart.timeScale().setVisibleLogicalRange({ from: first - margin, to: end + margin });
  }

  /** Show exactly the logical range `range` (as visibleRange() gave it). */
  restore(range: LogicalRange): void {
    this.chart.timeScale().setVisibleLogicalRange(range);
  }

  visibleRange(): LogicalRange | null {
    return this.chart.timeScale().getVisibleLogicalRange();
  }

  /** The x (CSS pixels from the chart's left) of a slot's centre, or null. */
  x(slot: number): number | null {
    return this.chart.timeScale().logicalToCoordinate(slot as never);
  }

  /** The width of the plot area (the chart less its price scale). */
  plotWidth(): number {
    return this.chart.timeScale().width();
  }

  /** Pixels between two slots' centres. */
  spacing(): number {
    return this.chart.timeScale().options().barSpacing;
  }

  onRangeChange(handler: () => void): void {
    this.chart.timeScale().subscribeVisibleLogicalRangeChange(handler);
    this.chart.timeScale().subscribeSizeChange(handler);
  }

  /** `handler` hears the slot under the crosshair (its bar, or null for an empty
   * slot), or nothing when the pointer leaves the chart. */
  onCrosshair(handler: (hovered: { slot: number; label: string; bar: CandlestickData<UTCTimestamp> | null; volume: number | null } | null) => void): void {
    this.chart.subscribeCrosshairMove((event: MouseEventParams) => {
      const axis = this.axis;
      if (!axis || event.logical === undefined || event.time === undefined) {
        handler(null);
        return;
      }
      const slot = Math.round(event.logical);
      const point = event.seriesData.get(this.candles as never) as CandlestickData<UTCTimestamp> | undefined;
      const volume = event.seriesData.get(this.volume as never) as HistogramData<UTCTimestamp> | undefined;
      const at = new Date((event.time as number) * 1000).toISOString();
      const label = axis.timeframe === "1d" ? at.slice(0, 10) : `${at.slice(0, 10)} ${at.slice(11, 16)}`;
      handler({
        slot,
        label,
        bar: point && "open" in point ? point : null,
        volume: volume && "value" in volume ? volume.value : null,
      });
    });
  }

  /** Runs `done` once the chart has painted what it was given. */
  afterPaint(done: () => void): void {
    // lightweight-charts paints in the animation frame it asked for when data was set;
    // a frame asked for after it runs after that paint.
    requestAnimationFrame(() => done());
  }

  destroy(): void {
    this.chart.remove();
  }
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Tick labels of the exchange's wall clock (the chart's times are local read as UTC):
 * "Nov 5" where a session starts, "10:30" inside one, "Nov" and "2024" zoomed out. */
function tickLabel(time: Time, type: TickMarkType): string {
  const at = new Date((time as number) * 1000);
  const month = MONTHS[at.getUTCMonth()] ?? "";
  switch (type) {
    case TickMarkType.Year:
      return String(at.getUTCFullYear());
    case TickMarkType.Month:
      return month;
    case TickMarkType.DayOfMonth:
      return `${month} ${at.getUTCDate()}`;
    default:
      return `${String(at.getUTCHours()).padStart(2, "0")}:${String(at.getUTCMinutes()).padStart(2, "0")}`;
  }
}

function candle(time: UTCTimestamp, bar: Bar, provisional: boolean): CandlestickData<UTCTimestamp> {
  const point: CandlestickData<UTCTimestamp> = { time, open: bar.open, high: bar.high, low: bar.low, close: bar.close };
  if (provisional) {
    const colour = bar.close >= bar.open ? CHART.up : CHART.down;
    point.color = CHART.hollow;
    point.borderColor = colour;
    point.wickColor = colour;
  }
  return point;
}

function volumeBar(time: UTCTimestamp, bar: Bar, provisional: boolean): HistogramData<UTCTimestamp> {
  const up = bar.close >= bar.open;
  const colour = provisional ? CHART.text : up ? CHART.volumeUp : CHART.volumeDown;
  return { time, value: bar.volume, color: colour };
}

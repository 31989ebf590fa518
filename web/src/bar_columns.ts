// Bars as columns (no object per bar), from JSON pages or a Parquet file.
import type { Bar, BarColumns } from "./types";
import { epochSeconds } from "./time";

export function emptyColumns(length: number): BarColumns {
  return {
    length,
    start: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
}

export function columnsOf(bars: readonly Bar[]): BarColumns {
  const columns = emptyColumns(bars.length);
  bars.forEach((bar, i) => {
    columns.start[i] = epochSeconds(bar.start);
    columns.open[i] = bar.open;
    columns.high[i] = bar.high;
    columns.low[i] = bar.low;
    columns.close[i] = bar.close;
    columns.volume[i] = bar.volume;
  });
  return columns;
}


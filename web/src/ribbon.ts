// The coverage ribbon under the chart: what the ledger says of each slot, on the
// chart's own x axis (slot = logical index). The ledger's spans first (final,
// provisional, unconfirmed), what is missing over them (gap, hole, unlisted); a
// missing span narrower than a pixel still gets one, so no hole hides when zoomed out.
import type { CandleChart } from "./chart";
import { h, sizeCanvas } from "./dom";
import { CHART, hatchPattern, stateStyle } from "./palette";
import type { SlotAxis } from "./slots";
import type { CoverageSpan, Gap } from "./types";
import { epochSeconds, windowLabel } from "./time";

const HEIGHT = 18;

export interface Segment {
  first: number;
  end: number;
  kind: string;
  gap: Gap | null;
  span: CoverageSpan | null;
}

/** The ribbon's segments over `axis`: coverage spans, then missing windows (of the
 * axis's timeframe, or of the 1m bars a coarser one is made from: a slot shows what
 * any of its minutes lacks). */
export function segmentsOf(axis: SlotAxis, coverage: readonly CoverageSpan[], gaps: readonly Gap[]): Segment[] {
  const out: Segment[] = [];
  const slots = (start: string, end: string): [number, number] => axis.overlapping(epochSeconds(start), epochSeconds(end));
  for (const span of coverage) {
    const [first, end] = slots(span.start, span.end);
    if (end > first) out.push({ first, end, kind: span.status, gap: null, span });
  }
  for (const gap of gaps) {
    const [first, end] = slots(gap.start, gap.end);
    if (end > first) out.push({ first, end, kind: gap.kind, gap, span: null });
  }
  return out;
}

interface Projection {
  /** The x of slot 0 (off the plot when it is scrolled out). */
  origin: number;
  /** Pixels from one slot to the next. */
  spacing: number;
}

export class Ribbon {
  readonly element: HTMLElement;
  private readonly canvas = h("canvas", { class: "ribbon-canvas", testid: "ribbon", role: "img", "aria-label": "coverage ribbon" });
  private readonly readout = h("div", { class: "ribbon-readout", testid: "ribbon-readout", "aria-live": "polite" }, " ");
  private segments: Segment[] = [];
  private selected: Gap | null = null;
  private hatch: CanvasPattern | string | null = null;
  private frame = 0;
  private daily = false;

  constructor(
    private readonly chart: CandleChart,
    private readonly onSelect: (gap: Gap) => void,
  ) {
    this.element = h("div", { class: "ribbon" }, this.canvas, this.readout);
    chart.onRangeChange(() => this.schedule());
    this.canvas.addEventListener("click", (event) => {
      const segment = this.missingAt(event.offsetX);
      if (segment?.gap) this.onSelect(segment.gap);
    });
    this.canvas.addEventListener("pointermove", (event) => {
      const segment = this.missingAt(event.offsetX) ?? this.at(event.offsetX);
      this.readout.textContent = segment ? describeSegment(segment, this.daily) : " ";
      this.canvas.style.cursor = segment?.gap ? "pointer" : "default";
    });
    new ResizeObserver(() => this.schedule()).observe(this.element);
  }

  /** `daily`: the slots are sessions (labelled by date). */
  show(segments: Segment[], daily: boolean): void {
    this.segments = segments;
    this.daily = daily;
    this.schedule();
  }

  select(gap: Gap | null): void {
    this.selected = gap;
    this.schedule();
  }

  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const width = this.element.clientWidth;
    if (width <= 0) return;
    const context = sizeCanvas(this.canvas, width, HEIGHT);
    this.hatch ??= hatchPattern(context, "#8a919c");
    context.fillStyle = CHART.background;
    context.fillRect(0, 0, width, HEIGHT);
    const plot = this.chart.plotWidth();
    const at = this.projection();
    let chosen: [number, number] | null = null;
    for (const segment of this.segments) {
      const box = this.box(segment, plot, at);
      if (!box) continue;
      const [x0, x1] = box;
      const style = stateStyle(segment.kind);
      context.fillStyle = style.mark === "hatch" ? (this.hatch ?? style.colour) : style.colour;
      context.fillRect(x0, 2, x1 - x0, HEIGHT - 4);
      if (segment.gap && this.selected && sameGap(segment.gap, this.selected)) chosen = box;
    }
    if (chosen) {
      context.strokeStyle = CHART.selection;
      context.lineWidth = 2;
      context.strokeRect(chosen[0] - 1, 1, chosen[1] - chosen[0] + 2, HEIGHT - 2);
    }
    // The price scale's column: nothing of the axis is there.
    context.fillStyle = CHART.background;
    context.fillRect(plot, 0, width - plot, HEIGHT);
  }

  /** Where slots are drawn: the chart lays them out evenly, so two of its
   * coordinates give every slot's x (no call into the chart per segment: with a
   * million bars' ribbon, per-segment calls were most of a frame's work). */
  private projection(): Projection | null {
    const zero = this.chart.x(0);
    const one = this.chart.x(1);
    return zero === null || one === null ? null : { origin: zero, spacing: one - zero };
  }

  /** A segment's pixels, clipped to the plot; null when out of view. */
  private box(segment: Segment, plot: number, at: Projection | null): [number, number] | null {
    if (!at) return null;
    const half = at.spacing / 2;
    let x0 = at.origin + segment.first * at.spacing - half;
    let x1 = at.origin + (segment.end - 1) * at.spacing + half;
    if (x1 < 0 || x0 > plot) return null;
    if (x1 - x0 < 1 && segment.span === null) {
      const middle = (x0 + x1) / 2;
      x0 = middle - 0.5;
      x1 = middle + 0.5;
    }
    x0 = Math.max(0, x0);
    x1 = Math.min(plot, x1);
    return x1 > x0 ? [x0, x1] : null;
  }

  /** The missing window under x, within a few pixels (a one-slot hole is thin). */
  private missingAt(x: number): Segment | null {
    const plot = this.chart.plotWidth();
    const at = this.projection();
    let best: Segment | null = null;
    let bestDistance = 5;
    for (const segment of this.segments) {
      if (segment.span !== null) continue;
      const box = this.box(segment, plot, at);
      if (!box) continue;
      const distance = x < box[0] ? box[0] - x : x > box[1] ? x - box[1] : 0;
      if (distance < bestDistance || (distance === 0 && best?.kind !== "gap" && segment.kind === "gap")) {
        best = segment;
        bestDistance = distance;
      }
    }
    return best;
  }

  private at(x: number): Segment | null {
    const plot = this.chart.plotWidth();
    const at = this.projection();
    for (let i = this.segments.length - 1; i >= 0; i -= 1) {
      const segment = this.segments[i];
      if (!segment) continue;
      const box = this.box(segment, plot, at);
      if (box && x >= box[0] && x <= box[1]) return segment;
    }
    return null;
  }
}

export function sameGap(a: Gap, b: Gap): boolean {
  return a.start === b.start && a.end === b.end && a.kind === b.kind;
}

function describeSegment(segment: Segment, daily: boolean): string {
  const item = segment.gap ?? segment.span;
  if (!item) return "";
  const [from, to] = windowLabel(item.start, item.end, daily);
  const range = `${from} to ${to}`;
  if (segment.gap) {
    const action = segment.gap.kind === "gap" || segment.gap.kind === "unconfirmed" ? " · click to select it for a backfill" : "";
    return `${segment.gap.kind}: ${range} · ${segment.gap.bars} slots${action}`;
  }
  const span = segment.span as CoverageSpan;
  return `${span.status}: ${range} · from ${span.source}${span.ticker ? ` (as ${span.ticker})` : ""}`;
}

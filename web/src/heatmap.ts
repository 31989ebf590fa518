// The universe's coverage as a heat map on one canvas: symbols down, sessions across,
// a cell coloured by its coverage state. Scrolled virtually: a transparent scroller
// over the canvas gives native scrollbars and wheel, and each frame draws only the rows
// and days in view, so 10,000 symbols cost what 50 do.
import { h, sizeCanvas } from "./dom";
import type { StateStyle } from "./palette";
import { hatchPattern, stateStyle } from "./palette";
import type { MatrixRow } from "./types";

const LABEL_WIDTH = 150;
const HEADER_HEIGHT = 36;
const ROW_HEIGHT = 18;
const MIN_CELL = 12;
const MAX_CELL = 96;
const FONT = "12px system-ui, sans-serif";
const BACKGROUND = "#101418";
const TEXT = "#c8ced6";
const MUTED = "#7f8b99";
const INCOMPLETE = "#E69F00";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export interface Cell {
  row: number;
  col: number;
}

export interface HeatMapData {
  days: string[];
  states: string[];
  rows: MatrixRow[];
}

export class HeatMap {
  readonly element: HTMLElement;
  private readonly canvas = h("canvas", { class: "heatmap-canvas", "aria-hidden": "true" });
  private readonly spacer = h("div", { class: "heatmap-spacer" });
  private readonly scroller: HTMLElement;
  private readonly tooltip = h("div", { class: "heatmap-tooltip", role: "tooltip", testid: "heatmap-tooltip", hidden: true });
  private readonly announcer = h("div", { class: "visually-hidden", "aria-live": "polite", testid: "heatmap-focus" });
  private data: HeatMapData = { days: [], states: [], rows: [] };
  private styles: StateStyle[] = [];
  private hatch: CanvasPattern | string | null = null;
  private cellWidth = 32;
  private hover: Cell | null = null;
  private focus: Cell = { row: 0, col: 0 };
  private frame = 0;
  private observer: ResizeObserver;
  private firstPaint: (() => void) | null;

  constructor(
    private readonly onOpen: (symbol: string, day: string | null) => void,
    onFirstPaint: () => void,
  ) {
    this.firstPaint = onFirstPaint;
    this.scroller = h(
      "div",
      {
        class: "heatmap-scroller",
        tabindex: 0,
        role: "application",
        "aria-roledescription": "heat map",
        "aria-label": "coverage heat map: arrow keys move, Enter opens the symbol at that day",
        testid: "heatmap",
      },
      this.spacer,
    );
    this.element = h("div", { class: "heatmap" }, this.canvas, this.scroller, this.tooltip, this.announcer);
    this.scroller.addEventListener("scroll", () => this.schedule());
    this.scroller.addEventListener("pointermove", (event) => this.pointed(event));
    this.scroller.addEventListener("pointerleave", () => this.setHover(null, null));
    this.scroller.addEventListener("click", (event) => this.clicked(event));
    this.scroller.addEventListener("keydown", (event) => this.key(event));
    this.scroller.addEventListener("focus", () => this.focused());
    this.scroller.addEventListener("blur", () => {
      this.tooltip.hidden = true;
      this.schedule();
    });
    this.observer = new ResizeObserver(() => this.layout());
    this.observer.observe(this.element);
  }

  /** Show `rows` (already filtered and sorted) over `days`. */
  show(data: HeatMapData): void {
    this.data = data;
    this.styles = data.states.map(stateStyle);
    this.focus = {
      row: Math.min(this.focus.row, Math.max(0, data.rows.length - 1)),
      col: Math.min(this.focus.col, Math.max(0, data.days.length - 1)),
    };
    this.hover = null;
    this.tooltip.hidden = true;
    this.layout();
  }

  destroy(): void {
    this.observer.disconnect();
    cancelAnimationFrame(this.frame);
  }

  private layout(): void {
    const days = Math.max(1, this.data.days.length);
    const room = this.scroller.clientWidth - LABEL_WIDTH;
    this.cellWidth = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(room / days)));
    this.spacer.style.width = `${LABEL_WIDTH + this.data.days.length * this.cellWidth}px`;
    this.spacer.style.height = `${HEADER_HEIGHT + this.data.rows.length * ROW_HEIGHT}px`;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const width = this.scroller.clientWidth;
    const height = this.scroller.clientHeight;
    if (width <= 0 || height <= 0) return;
    const context = sizeCanvas(this.canvas, width, height);
    this.hatch ??= hatchPattern(context, "#8a919c");
    context.fillStyle = BACKGROUND;
    context.fillRect(0, 0, width, height);
    context.font = FONT;
    context.textBaseline = "middle";
    const { rows, days } = this.data;
    const top = this.scroller.scrollTop;
    const left = this.scroller.scrollLeft;
    const cw = this.cellWidth;
    const firstRow = Math.floor(top / ROW_HEIGHT);
    const endRow = Math.min(rows.length, Math.ceil((top + height - HEADER_HEIGHT) / ROW_HEIGHT));
    const firstCol = Math.floor(left / cw);
    const endCol = Math.min(days.length, Math.ceil((left + width - LABEL_WIDTH) / cw));
    const rowY = (r: number) => HEADER_HEIGHT + r * ROW_HEIGHT - top;
    const colX = (c: number) => LABEL_WIDTH + c * cw - left;

    // Cells, clipped to the area right of the labels and below the header.
    context.save();
    context.beginPath();
    context.rect(LABEL_WIDTH, HEADER_HEIGHT, width - LABEL_WIDTH, height - HEADER_HEIGHT);
    context.clip();
    const gap = cw >= 16 ? 1 : 0;
    for (let r = firstRow; r < endRow; r += 1) {
      const row = rows[r];
      if (!row) continue;
      const y = rowY(r);
      for (let c = firstCol; c < endCol; c += 1) {
        const style = this.styles[row.codes.charCodeAt(c) - 48];
        if (!style) continue;
        this.cell(context, style, colX(c), y, cw - gap, ROW_HEIGHT - 1);
      }
    }
    this.outlines(context, rowY, colX);
    context.restore();

    // Symbol labels and completeness, left.
    context.save();
    context.beginPath();
    context.rect(0, HEADER_HEIGHT, LABEL_WIDTH, height - HEADER_HEIGHT);
    context.clip();
    for (let r = firstRow; r < endRow; r += 1) {
      const row = rows[r];
      if (!row) continue;
      const y = rowY(r) + ROW_HEIGHT / 2;
      const hovered = this.hover?.row === r || (this.hasFocus() && this.focus.row === r);
      context.fillStyle = hovered ? "#ffffff" : TEXT;
      context.textAlign = "left";
      context.fillText(row.symbol, 8, y);
      context.textAlign = "right";
      const complete = row.complete;
      context.fillStyle = complete === null ? MUTED : complete >= 100 ? MUTED : INCOMPLETE;
      context.fillText(complete === null ? "–" : `${complete.toFixed(1)}%`, LABEL_WIDTH - 8, y);
    }
    context.restore();

    // Day labels, top: as many as fit.
    context.save();
    context.beginPath();
    context.rect(LABEL_WIDTH, 0, width - LABEL_WIDTH, HEADER_HEIGHT);
    context.clip();
    context.fillStyle = TEXT;
    context.textAlign = "center";
    const every = Math.max(1, Math.ceil(44 / cw));
    for (let c = firstCol; c < endCol; c += 1) {
      const day = days[c];
      if (!day) continue;
      const monthStart = c === 0 || day.slice(5, 7) !== days[c - 1]?.slice(5, 7);
      if (c % every !== 0 && !(monthStart && every === 1)) continue;
      const x = colX(c) + (cw * Math.min(every, days.length - c)) / 2;
      context.fillStyle = (this.hasFocus() && this.focus.col === c) || this.hover?.col === c ? "#ffffff" : TEXT;
      context.fillText(day.slice(5), Math.max(LABEL_WIDTH + 18, x), 24);
      if (monthStart || c === firstCol) {
        // The month where it starts (and the year with the first one shown or January).
        const month = MONTHS[Number(day.slice(5, 7)) - 1] ?? "";
        const withYear = c === firstCol || month === "Jan";
        context.fillStyle = MUTED;
        context.fillText(withYear ? `${month} ${day.slice(0, 4)}` : month, Math.max(LABEL_WIDTH + 24, x), 9);
      }
    }
    context.restore();
    context.fillStyle = MUTED;
    context.textAlign = "left";
    context.fillText("symbol", 8, 24);
    context.textAlign = "right";
    context.fillText("complete", LABEL_WIDTH - 8, 24);
    context.strokeStyle = "#2c3540";
    context.beginPath();
    context.moveTo(0, HEADER_HEIGHT - 0.5);
    context.lineTo(width, HEADER_HEIGHT - 0.5);
    context.moveTo(LABEL_WIDTH - 0.5, 0);
    context.lineTo(LABEL_WIDTH - 0.5, height);
    context.stroke();
    if (rows.length === 0) {
      context.fillStyle = MUTED;
      context.textAlign = "left";
      context.fillText("no symbol to show", LABEL_WIDTH + 12, HEADER_HEIGHT + 20);
    }
    if (this.firstPaint && rows.length > 0) {
      const done = this.firstPaint;
      this.firstPaint = null;
      done();
    }
  }

  private cell(context: CanvasRenderingContext2D, style: StateStyle, x: number, y: number, w: number, hgt: number): void {
    switch (style.mark) {
      case "fill":
        context.fillStyle = style.colour;
        context.fillRect(x, y, w, hgt);
        break;
      case "hatch":
        context.fillStyle = this.hatch ?? style.colour;
        context.fillRect(x, y, w, hgt);
        break;
      case "outline":
        context.strokeStyle = style.colour;
        context.lineWidth = 1;
        context.strokeRect(x + 1.5, y + 1.5, Math.max(0, w - 3), Math.max(0, hgt - 3));
        break;
      case "dot":
        context.fillStyle = "#2a3038";
        context.fillRect(x, y, w, hgt);
        context.fillStyle = style.colour;
        context.beginPath();
        context.arc(x + w / 2, y + hgt / 2, Math.min(3, w / 4), 0, Math.PI * 2);
        context.fill();
        break;
    }
  }

  private outlines(context: CanvasRenderingContext2D, rowY: (r: number) => number, colX: (c: number) => number): void {
    context.lineWidth = 2;
    if (this.hover) {
      context.strokeStyle = "rgba(255, 255, 255, 0.6)";
      context.strokeRect(colX(this.hover.col) + 1, rowY(this.hover.row) + 1, this.cellWidth - 2, ROW_HEIGHT - 2);
    }
    if (this.hasFocus() && this.data.rows.length > 0) {
      context.strokeStyle = "#ffffff";
      context.strokeRect(colX(this.focus.col) + 1, rowY(this.focus.row) + 1, this.cellWidth - 2, ROW_HEIGHT - 2);
    }
  }

  private hasFocus(): boolean {
    return document.activeElement === this.scroller;
  }

  /** The cell (or the label column's row: col -1) under a point of the element. */
  private cellAt(event: MouseEvent): Cell | null {
    const box = this.scroller.getBoundingClientRect();
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    if (y < HEADER_HEIGHT || x >= this.scroller.clientWidth || y >= this.scroller.clientHeight) return null;
    const row = Math.floor((y - HEADER_HEIGHT + this.scroller.scrollTop) / ROW_HEIGHT);
    if (row < 0 || row >= this.data.rows.length) return null;
    if (x < LABEL_WIDTH) return { row, col: -1 };
    const col = Math.floor((x - LABEL_WIDTH + this.scroller.scrollLeft) / this.cellWidth);
    return col >= 0 && col < this.data.days.length ? { row, col } : null;
  }

  private pointed(event: PointerEvent): void {
    const cell = this.cellAt(event);
    this.setHover(cell && cell.col >= 0 ? cell : null, cell ? event : null);
    this.scroller.style.cursor = cell ? "pointer" : "default";
  }

  private setHover(cell: Cell | null, event: MouseEvent | null): void {
    const same = cell?.row === this.hover?.row && cell?.col === this.hover?.col;
    this.hover = cell;
    if (cell && event) {
      const box = this.element.getBoundingClientRect();
      this.tip(cell, event.clientX - box.left + 14, event.clientY - box.top + 14);
    } else if (document.activeElement !== this.scroller) {
      this.tooltip.hidden = true;
    }
    if (!same) this.schedule();
  }

  private clicked(event: MouseEvent): void {
    const cell = this.cellAt(event);
    if (!cell) return;
    const row = this.data.rows[cell.row];
    if (!row) return;
    if (cell.col >= 0) this.focus = cell;
    this.onOpen(row.symbol, cell.col >= 0 ? (this.data.days[cell.col] ?? null) : (this.data.days.at(-1) ?? null));
  }

  private focused(): void {
    this.scrollIntoView();
    this.announce();
    this.schedule();
  }

  private key(event: KeyboardEvent): void {
    const { rows, days } = this.data;
    if (rows.length === 0 || days.length === 0) return;
    const page = Math.max(1, Math.floor((this.scroller.clientHeight - HEADER_HEIGHT) / ROW_HEIGHT) - 1);
    let { row, col } = this.focus;
    switch (event.key) {
      case "ArrowUp":
        row -= 1;
        break;
      case "ArrowDown":
        row += 1;
        break;
      case "ArrowLeft":
        col -= 1;
        break;
      case "ArrowRight":
        col += 1;
        break;
      case "PageUp":
        row -= page;
        break;
      case "PageDown":
        row += page;
        break;
      case "Home":
        if (event.ctrlKey) row = 0;
        else col = 0;
        break;
      case "End":
        if (event.ctrlKey) row = rows.length - 1;
        else col = days.length - 1;
        break;
      case "Enter":
      case " ": {
        const symbol = rows[row]?.symbol;
        if (symbol) this.onOpen(symbol, days[col] ?? null);
        event.preventDefault();
        return;
      }
      default:
        return;
    }
    event.preventDefault();
    this.focus = {
      row: Math.max(0, Math.min(rows.length - 1, row)),
      col: Math.max(0, Math.min(days.length - 1, col)),
    };
    this.scrollIntoView();
    this.announce();
    this.schedule();
  }

  private scrollIntoView(): void {
    const s = this.scroller;
    const top = this.focus.row * ROW_HEIGHT;
    const visible = s.clientHeight - HEADER_HEIGHT;
    if (top < s.scrollTop) s.scrollTop = top;
    else if (top + ROW_HEIGHT > s.scrollTop + visible) s.scrollTop = top + ROW_HEIGHT - visible;
    const left = this.focus.col * this.cellWidth;
    const across = s.clientWidth - LABEL_WIDTH;
    if (left < s.scrollLeft) s.scrollLeft = left;
    else if (left + this.cellWidth > s.scrollLeft + across) s.scrollLeft = left + this.cellWidth - across;
  }

  private announce(): void {
    if (this.data.rows.length === 0) return;
    const { row, col } = this.focus;
    this.announcer.textContent = this.describe({ row, col });
    const x = LABEL_WIDTH + col * this.cellWidth - this.scroller.scrollLeft + this.cellWidth + 6;
    const y = HEADER_HEIGHT + row * ROW_HEIGHT - this.scroller.scrollTop + ROW_HEIGHT + 4;
    this.tip({ row, col }, x, y);
  }

  private tip(cell: Cell, x: number, y: number): void {
    this.tooltip.textContent = this.describe(cell);
    this.tooltip.hidden = false;
    const maxX = this.element.clientWidth - this.tooltip.offsetWidth - 4;
    const maxY = this.element.clientHeight - this.tooltip.offsetHeight - 4;
    this.tooltip.style.transform = `translate(${Math.max(0, Math.min(x, maxX))}px, ${Math.max(0, Math.min(y, maxY))}px)`;
  }

  /** "AAPL · 2024-11-05 · gap · 40% of the session's slots". */
  describe(cell: Cell): string {
    const row = this.data.rows[cell.row];
    const day = this.data.days[cell.col];
    if (!row || !day) return "";
    const style = this.styles[row.codes.charCodeAt(cell.col) - 48];
    const percent = row.percent[cell.col];
    const state = style ? style.label : "unknown";
    const covered = percent === undefined ? "" : ` · ${percent}% of its slots covered`;
    const help = style?.help ? ` (${style.help})` : "";
    return `${row.symbol} · ${day} · ${state}${covered}${help}`;
  }
}

// The list of what is missing in the window shown: every gap, hole, unconfirmed and
// unlisted window, each selectable (the ribbon and the chart follow) and, for what a
// source could still answer (gap, unconfirmed), a Backfill button.
import { h, replace } from "./dom";
import { stateStyle } from "./palette";
import { sameGap } from "./ribbon";
import type { Gap } from "./types";
import { windowLabel } from "./time";

/** Rows listed at most (a year of 1m holes can be thousands; the ribbon shows all). */
const MOST = 300;
const BACKFILLABLE = new Set(["gap", "unconfirmed"]);

export function backfillable(gap: Gap): boolean {
  return BACKFILLABLE.has(gap.kind);
}

export class GapsPanel {
  readonly element: HTMLElement;
  private readonly summary = h("p", { class: "gaps-summary", testid: "gaps-summary" });
  private readonly body = h("tbody");
  private readonly slotsHeader = h("th", { class: "num" }, "slots");
  private gaps: Gap[] = [];
  private selected: Gap | null = null;

  constructor(
    private readonly onSelect: (gap: Gap) => void,
    private readonly onBackfill: (gap: Gap) => void,
  ) {
    this.element = h(
      "section",
      { class: "gaps", testid: "gaps", "aria-label": "missing windows" },
      h("h2", null, "Missing in this window"),
      this.summary,
      h(
        "table",
        { class: "table", testid: "gaps-table" },
        h(
          "thead",
          null,
          h("tr", null, h("th", null, "kind"), h("th", null, "from (exchange time)"), h("th", null, "to (exclusive; a day: inclusive)"), this.slotsHeader, h("th", null, "")),
        ),
        this.body,
      ),
    );
  }

  /** `timeframe`: the slots the windows count (1m for a timeframe made from 1m bars). */
  show(gaps: Gap[], timeframe: string): void {
    this.gaps = gaps;
    this.slotsHeader.textContent = `${timeframe} slots`;
    const counts = new Map<string, [number, number]>();
    for (const gap of gaps) {
      const [windows, slots] = counts.get(gap.kind) ?? [0, 0];
      counts.set(gap.kind, [windows + 1, slots + gap.bars]);
    }
    this.summary.textContent = gaps.length
      ? [...counts].map(([kind, [windows, slots]]) => `${windows} ${kind}${windows === 1 ? "" : "s"} (${slots.toLocaleString("en-US")} ${timeframe} slots)`).join(", ") +
        (gaps.length > MOST ? `; the first ${MOST} listed, the ribbon shows all` : "")
      : "Nothing missing: every expected slot of the window is accounted for.";
    replace(this.body, ...gaps.slice(0, MOST).map((gap, i) => this.row(gap, i)));
  }

  select(gap: Gap | null): void {
    this.selected = gap;
    for (const row of this.body.querySelectorAll<HTMLTableRowElement>("tr")) {
      const gapOfRow = this.gaps[Number(row.dataset["index"])];
      const chosen = gap !== null && gapOfRow !== undefined && sameGap(gapOfRow, gap);
      row.classList.toggle("selected", chosen);
      row.setAttribute("aria-selected", String(chosen));
      if (chosen) this.showRow(row);
    }
  }

  /** Scroll the list (only the list, not the page) to a row. */
  private showRow(row: HTMLTableRowElement): void {
    const list = this.element;
    const top = row.offsetTop - list.offsetTop;
    const header = row.offsetHeight * 1.5;
    if (top - header < list.scrollTop) list.scrollTop = Math.max(0, top - header);
    else if (top + row.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = top + row.offsetHeight - list.clientHeight;
  }

  /** The missing window after (or before) the selected one. */
  neighbour(step: 1 | -1): Gap | null {
    if (this.gaps.length === 0) return null;
    const at = this.selected ? this.gaps.findIndex((gap) => sameGap(gap, this.selected as Gap)) : -1;
    const next = at < 0 ? (step > 0 ? 0 : this.gaps.length - 1) : at + step;
    return this.gaps[Math.max(0, Math.min(this.gaps.length - 1, next))] ?? null;
  }

  private row(gap: Gap, index: number): HTMLTableRowElement {
    const style = stateStyle(gap.kind);
    const can = backfillable(gap);
    const button = h(
      "button",
      {
        type: "button",
        testid: "gap-backfill",
        disabled: !can,
        title: can ? "ask the source for these slots again" : `${gap.kind}: ${style.help}`,
      },
      "Backfill",
    );
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      this.onBackfill(gap);
    });
    const row = h(
      "tr",
      { tabindex: 0, testid: "gap-row", "data-kind": gap.kind, "data-start": gap.start, "aria-selected": "false" },
      h("td", null, h("span", { class: `swatch state-${gap.kind}`, "aria-hidden": "true" }), ` ${gap.kind}`),
      ...windowLabel(gap.start, gap.end, gap.timeframe === "1d").map((text) => h("td", null, text)),
      h("td", { class: "num" }, gap.bars.toLocaleString("en-US")),
      h("td", null, button),
    );
    row.dataset["index"] = String(index);
    row.addEventListener("click", () => this.onSelect(gap));
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter") this.onSelect(gap);
    });
    return row;
  }
}

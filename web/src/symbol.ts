// The symbol view: candles and volume on the calendar-slot axis, the coverage ribbon
// under them, what is missing listed beside, live bars over /ws/bars, and a backfill
// of a selected gap whose bars arrive live while the job runs.
import { describe, isAbort } from "./api";
import { CandleChart } from "./chart";
import { h, replace } from "./dom";
import { GapsPanel, backfillable } from "./gaps_panel";
import { FINISHED, cancelJob, getJob, jobLine, startBackfill } from "./jobs_api";
import { LiveFeed } from "./live";
import { Rollup } from "./rollup";
import type { LiveState } from "./live";
import { clearError, markDemo, showError } from "./notice";
import { STATES } from "./palette";
import { Ribbon, segmentsOf } from "./ribbon";
import type { Route, View } from "./router";
import { href, navigate } from "./router";
import { SlotAxis } from "./slots";
import { DEFAULT_SESSIONS, barsOf, coverageOf, gapsOf, registryEntry, sessionsFor } from "./symbol_data";
import type { WindowQuery } from "./symbol_data";
import type { Bar, Basis, Gap, Job, LiveBar, SessionKind, Timeframe } from "./types";
import { BASES, TIMEFRAMES, isBasis, isTimeframe } from "./types";
import { isDate, windowLabel } from "./time";

const SYMBOL = /^[A-Za-z][A-Za-z0-9.-]{0,14}$/;
const RIBBON_KINDS = ["final", "provisional", "unconfirmed", "gap", "hole", "unlisted"];
let chartPainted = false;

export class SymbolView implements View {
  readonly element: HTMLElement;
  private readonly chart = new CandleChart();
  private readonly ribbon: Ribbon;
  private readonly gapsPanel: GapsPanel;
  private readonly info = h("p", { class: "summary", testid: "symbol-info", "aria-live": "polite" });
  private readonly readout = h("span", { class: "readout", testid: "chart-readout", "aria-live": "off" });
  private readonly liveChip = h("span", { class: "chip", testid: "live-state" }, "live: off");
  private readonly jobBox = h("div", { class: "job-line", testid: "symbol-job", hidden: true });
  private readonly symbolInput = h("input", {
    type: "search",
    testid: "symbol-input",
    "aria-label": "symbol",
    spellcheck: "false",
    autocomplete: "off",
    class: "narrow",
  });
  private readonly tfButtons = new Map<Timeframe, HTMLButtonElement>();
  private readonly adjustSelect = h("select", { testid: "symbol-adjust", "aria-label": "price basis" }, ...BASES.map((b) => h("option", { value: b }, b)));
  private readonly sessionsInput = h("input", { type: "number", min: 1, max: 2000, testid: "symbol-sessions", "aria-label": "sessions", class: "narrow" });
  private readonly dayInput = h("input", { type: "date", testid: "symbol-day", "aria-label": "day" });
  private readonly backfillButton = h("button", { type: "button", testid: "backfill-selected", disabled: true }, "Backfill selected");
  private query: WindowQuery | null = null;
  private loadedKey = "";
  private aborter: AbortController | null = null;
  private axis: SlotAxis | null = null;
  private selected: Gap | null = null;
  private live: LiveFeed | null = null;
  private rollup: Rollup | null = null;
  /** The bars shown are rolled up from 1m bars by the API. */
  private derived = false;
  private liveKey = "";
  private liveCount = 0;
  private filledLive = 0;
  private following: { id: string; timer: number } | null = null;
  private loads = 0;

  constructor(route: Route) {
    this.ribbon = new Ribbon(this.chart, (gap) => this.select(gap));
    this.chart.onCrosshair((hovered) => {
      if (!hovered) {
        this.readout.textContent = "";
        return;
      }
      const { label, bar, volume } = hovered;
      const price = (value: number) => value.toLocaleString("en-US", { maximumFractionDigits: 4 });
      this.readout.textContent = bar
        ? `${label} (exchange time) · O ${price(bar.open)} H ${price(bar.high)} L ${price(bar.low)} C ${price(bar.close)}` +
          (volume === null ? "" : ` · V ${volume.toLocaleString("en-US")}`) +
          (this.chart.slotState(hovered.slot) === 2 ? " · provisional" : "")
        : `${label} (exchange time) · no bar in this slot`;
    });
    this.gapsPanel = new GapsPanel(
      (gap) => this.select(gap),
      (gap) => void this.backfill(gap),
    );
    for (const tf of TIMEFRAMES) {
      const button = h("button", { type: "button", class: "toggle", testid: `tf-${tf}`, "aria-pressed": "false", title: `${tf} bars` }, tf);
      button.addEventListener("click", () => this.change({ tf }));
      this.tfButtons.set(tf, button);
    }
    this.adjustSelect.addEventListener("change", () => this.change({ adjust: this.adjustSelect.value }));
    this.sessionsInput.addEventListener("change", () => this.change({ sessions: this.sessionsInput.value }));
    this.dayInput.addEventListener("change", () => this.change({ day: this.dayInput.value || null, start: null, end: null }));
    this.backfillButton.addEventListener("click", () => {
      if (this.selected) void this.backfill(this.selected);
    });
    const open = h("form", { class: "inline", testid: "symbol-form" }, this.symbolInput, h("button", { type: "submit" }, "Open"));
    open.addEventListener("submit", (event) => {
      event.preventDefault();
      const symbol = this.symbolInput.value.trim().toUpperCase();
      if (!SYMBOL.test(symbol)) {
        showError(`not a symbol: ${JSON.stringify(symbol)} (letters, digits, '.' and '-', starting with a letter)`);
        return;
      }
      navigate(href("symbol", symbol, { tf: this.query?.timeframe ?? null }));
    });
    const latest = h("button", { type: "button", testid: "symbol-latest", title: "the latest sessions" }, "Latest");
    latest.addEventListener("click", () => this.change({ day: null, start: null, end: null }));
    const legend = h(
      "ul",
      { class: "legend", testid: "ribbon-legend" },
      ...RIBBON_KINDS.map((kind) =>
        h("li", { title: STATES[kind]?.help ?? "" }, h("span", { class: `swatch state-${kind}`, "aria-hidden": "true" }), kind),
      ),
      h("li", { title: "bars inside the settle delay: may still be corrected" }, h("span", { class: "swatch hollow", "aria-hidden": "true" }), "provisional bar"),
    );
    this.element = h(
      "section",
      { class: "view symbol", testid: "view-symbol", "aria-label": "symbol" },
      h(
        "div",
        { class: "toolbar", testid: "symbol-controls" },
        open,
        h("div", { class: "segmented", role: "group", "aria-label": "timeframe" }, ...this.tfButtons.values()),
        h("label", null, "Basis ", this.adjustSelect),
        h("label", null, "Sessions ", this.sessionsInput),
        h("label", null, "Day ", this.dayInput),
        latest,
        this.liveChip,
      ),
      this.info,
      h("div", { class: "readout-line" }, this.readout),
      this.chart.element,
      this.ribbon.element,
      h("div", { class: "ribbon-legend" }, legend),
      h("div", { class: "actions" }, this.backfillButton, this.jobBox),
      this.gapsPanel.element,
    );
    this.update(route);
  }

  update(route: Route): void {
    const p = route.params;
    const symbol = (route.arg ?? "").toUpperCase();
    const timeframe: Timeframe = isTimeframe(p.get("tf")) ? (p.get("tf") as Timeframe) : "1m";
    const adjust: Basis = isBasis(p.get("adjust")) ? (p.get("adjust") as Basis) : "splits";
    const sessions = Number(p.get("sessions")) || DEFAULT_SESSIONS[timeframe];
    const query: WindowQuery = {
      symbol,
      timeframe,
      adjust,
      day: isDate(p.get("day")) ? p.get("day") : null,
      sessions: Math.max(1, Math.min(2000, Math.round(sessions))),
      start: isDate(p.get("start")) ? p.get("start") : null,
      end: isDate(p.get("end")) ? p.get("end") : null,
    };
    this.symbolInput.value = symbol;
    for (const [tf, button] of this.tfButtons) button.setAttribute("aria-pressed", String(tf === timeframe));
    this.adjustSelect.value = adjust;
    this.sessionsInput.value = String(query.sessions);
    this.dayInput.value = query.day ?? "";
    if (!symbol) {
      this.info.textContent = "Type a symbol and press Enter, or open one from the universe view.";
      // After the shell has put a new view in the page (focus() on a detached input does nothing).
      queueMicrotask(() => this.symbolInput.focus());
      return;
    }
    if (!SYMBOL.test(symbol)) {
      showError(`not a symbol: ${JSON.stringify(symbol)}`);
      return;
    }
    this.query = query;
    const key = JSON.stringify(query);
    if (key !== this.loadedKey) {
      this.loadedKey = key;
      void this.load(query, false);
    }
  }

  /** Keys of this view: 1-5 timeframes, n/p next/previous missing window, b backfill it. */
  key(event: KeyboardEvent): boolean {
    const tf = TIMEFRAMES[Number(event.key) - 1];
    if (tf && /^[1-5]$/.test(event.key)) {
      this.change({ tf });
      return true;
    }
    if (event.key === "n" || event.key === "p") {
      const gap = this.gapsPanel.neighbour(event.key === "n" ? 1 : -1);
      if (gap) this.select(gap);
      return true;
    }
    if (event.key === "b" && this.selected) {
      void this.backfill(this.selected);
      return true;
    }
    return false;
  }

  destroy(): void {
    this.aborter?.abort();
    this.live?.stop();
    this.rollup?.stop();
    if (this.following) window.clearTimeout(this.following.timer);
    this.chart.destroy();
  }

  /** Change the address's parameters (the route update then loads what they ask). */
  private change(changes: Record<string, string | null>): void {
    const q = this.query;
    if (!q) return;
    const params: Record<string, string | null> = {
      day: q.day,
      tf: q.timeframe,
      adjust: q.adjust === "splits" ? null : q.adjust,
      sessions: q.sessions === DEFAULT_SESSIONS[q.timeframe] ? null : String(q.sessions),
      start: q.start,
      end: q.end,
      ...changes,
    };
    if ("tf" in changes && !("sessions" in changes)) params["sessions"] = null;
    navigate(href("symbol", q.symbol, params));
  }

  /** Read the window and draw it; `keepRange`: a refresh, the chart stays where it is. */
  private async load(q: WindowQuery, keepRange: boolean): Promise<void> {
    this.aborter?.abort();
    const aborter = (this.aborter = new AbortController());
    const signal = aborter.signal;
    this.element.dataset["state"] = "loading";
    if (!keepRange) this.info.textContent = `Loading ${q.symbol}…`;
    try {
      const [entry, own] = await Promise.all([registryEntry(q.symbol, signal), coverageOf(q.symbol, q.timeframe, signal)]);
      // A timeframe made from 1m bars has no ledger of its own: the 1m ledger is its.
      const coverage = own.length || q.timeframe === "1m" ? own : await coverageOf(q.symbol, "1m", signal);
      const kind: SessionKind = entry?.session ?? "rth";
      const { sessions, focus } = await sessionsFor(q, kind, coverage, signal);
      // The bars first, then what is missing: on a server of few cores, reading both at
      // once delays the chart by the gaps' share of the CPU.
      const expected = new SlotAxis(sessions, q.timeframe);
      const loaded = await barsOf(q, sessions, expected.length, signal, (count) => {
        if (!keepRange) this.info.textContent = `Loading ${q.symbol}: ${count.toLocaleString("en-US")} bars…`;
      });
      if (signal.aborted) return;
      performance.mark("chronox:chart-data-received");
      const range = keepRange ? this.chart.visibleRange() : null;
      const axis = expected;
      const placed = this.chart.show(axis, loaded.columns);
      performance.mark("chronox:chart-data-set");
      this.axis = axis;
      this.derived = loaded.derived;
      if (range) this.chart.restore(range);
      else this.revealFocus(axis, focus);
      if (!q.day && focus) this.dayInput.value = focus;
      this.sessionsInput.value = String(sessions.length);
      if (loaded.demo) markDemo();
      const empty = axis.length - placed.placed;
      const first = sessions[0]?.date ?? "";
      const last = sessions.at(-1)?.date ?? "";
      replace(
        this.info,
        h("strong", null, q.symbol),
        ` ${q.timeframe} ${kind}${loaded.derived ? " (made from 1m bars)" : ""}, basis ${q.adjust} · `,
        `${sessions.length} sessions ${first} to ${last} · `,
        h("span", { testid: "symbol-bars" }, `${placed.placed.toLocaleString("en-US")} bars in ${axis.length.toLocaleString("en-US")} slots`),
        " · ",
        h("span", { testid: "symbol-empty", class: empty ? "warn" : "" }, `${empty.toLocaleString("en-US")} slots without a bar`),
        placed.outside ? ` · ${placed.outside} bars outside the ${kind} sessions not shown` : "",
        entry ? "" : " · not in the registry",
      );
      this.element.dataset["state"] = "charted";
      if (!chartPainted) {
        this.chart.afterPaint(() => {
          if (chartPainted) return;
          chartPainted = true;
          performance.mark("chronox:chart-painted");
          document.body.dataset["chartPainted"] = "true";
        });
      }
      // A timeframe made from 1m bars has no ledger of its own: its ribbon is the 1m
      // ledger's, and a backfill of a 1m gap fills its slots.
      const ledgerTimeframe = loaded.derived ? "1m" : q.timeframe;
      const ledger = ledgerTimeframe === q.timeframe ? own : own.length ? await coverageOf(q.symbol, "1m", signal) : coverage;
      const gaps = await gapsOf({ ...q, timeframe: ledgerTimeframe }, kind, sessions, signal);
      if (signal.aborted) return;
      this.ribbon.show(segmentsOf(axis, ledger, gaps), q.timeframe === "1d" && ledgerTimeframe === "1d");
      this.gapsPanel.show(gaps, ledgerTimeframe);
      const kept = this.selected;
      this.select(kept && gaps.some((gap) => gap.start === kept.start && gap.kind === kept.kind) ? kept : null, false);
      this.loads += 1;
      this.element.dataset["loads"] = String(this.loads);
      this.element.dataset["state"] = "ready";
      clearError();
      this.follow(q);
    } catch (error) {
      if (isAbort(error)) return;
      this.element.dataset["state"] = "error";
      this.loadedKey = "";
      this.info.textContent = `${q.symbol}: ${describe(error)}`;
      showError(describe(error));
    }
  }

  private revealFocus(axis: SlotAxis, focus: string | null): void {
    const slots = focus ? axis.slotsOf(focus) : null;
    if (slots && slots[1] > slots[0]) this.chart.reveal(slots[0], slots[1]);
    else if (axis.length) this.chart.reveal(Math.max(0, axis.length - 400), axis.length);
  }

  private select(gap: Gap | null, reveal = true): void {
    this.selected = gap;
    this.ribbon.select(gap);
    this.gapsPanel.select(gap);
    this.backfillButton.disabled = !gap || !backfillable(gap);
    this.backfillButton.textContent = gap ? `Backfill ${gap.kind} from ${windowLabel(gap.start, gap.end, gap.timeframe === "1d")[0]} (${gap.bars} slots)` : "Backfill selected";
    if (gap && reveal && this.axis) {
      const first = this.axis.slotsBefore(Date.parse(gap.start) / 1000);
      const end = this.axis.slotsBefore(Date.parse(gap.end) / 1000);
      const shown = this.chart.visibleRange();
      if (!shown || first < shown.from || end > shown.to) {
        const room = Math.max(30, (end - first) * 2);
        this.chart.reveal(Math.max(0, first - room), end + room);
      }
    }
  }

  /** Live bars of the symbol at this timeframe and basis (one socket per view). */
  /** Live bars of the symbol at this timeframe and basis (one socket per view); a
   * timeframe made from 1m bars follows the minutes and reads its slots again. */
  private follow(q: WindowQuery): void {
    const feedTimeframe = this.derived ? "1m" : q.timeframe;
    const key = `${q.symbol}|${q.timeframe}|${feedTimeframe}|${q.adjust}`;
    if (key === this.liveKey && this.live) return;
    this.live?.stop();
    this.rollup?.stop();
    this.liveKey = key;
    this.liveCount = 0;
    this.filledLive = 0;
    this.rollup = this.derived
      ? new Rollup(q.symbol, q.timeframe, q.adjust, () => this.axis, (bars, provisional) => {
          for (const bar of bars) this.place(bar, provisional(bar));
          this.showLiveCount();
        })
      : null;
    this.live = new LiveFeed(q.symbol, feedTimeframe, q.adjust, {
      bar: (bar) => this.liveBar(bar),
      state: (state, detail) => this.liveState(state, detail),
      basisChanged: () => {
        this.liveKey = "";
        this.live = null;
        if (this.query) void this.load(this.query, true);
      },
    });
  }

  private liveBar(bar: LiveBar): void {
    const q = this.query;
    if (!q || bar.symbol !== q.symbol) return;
    if (bar.demo) markDemo(bar.source);
    if (bar.timeframe === q.timeframe) {
      if (!this.place(bar, bar.provisional)) return;
    } else if (!(this.rollup && bar.timeframe === "1m" && this.rollup.minute(bar))) {
      return;
    }
    this.liveCount += 1;
    this.showLiveCount();
  }

  /** A bar in its slot: true when the axis has the slot. */
  private place(bar: Bar, provisional: boolean): boolean {
    const slot = this.axis?.indexOf(Date.parse(bar.start) / 1000) ?? -1;
    const wasEmpty = slot >= 0 && this.chart.slotState(slot) === 0;
    if (!this.chart.put(bar, provisional)) return false;
    if (wasEmpty) this.filledLive += 1;
    return true;
  }

  private showLiveCount(): void {
    this.liveChip.textContent = `live: ${this.liveCount.toLocaleString("en-US")} bars, ${this.filledLive.toLocaleString("en-US")} into empty slots`;
    this.liveChip.dataset["bars"] = String(this.liveCount);
    this.liveChip.dataset["filled"] = String(this.filledLive);
  }

  private liveState(state: LiveState, detail: string): void {
    this.liveChip.dataset["state"] = state;
    this.liveChip.title = detail;
    if (state !== "live" || this.liveCount === 0) this.liveChip.textContent = state === "live" ? "live: waiting for bars" : `live: ${state}`;
  }

  private async backfill(gap: Gap): Promise<void> {
    const q = this.query;
    if (!q || !backfillable(gap)) return;
    this.select(gap, false);
    try {
      const job = await startBackfill(q.symbol, gap.start, gap.end);
      clearError();
      this.watch(job);
    } catch (error) {
      showError(`backfill refused: ${describe(error)}`);
    }
  }

  /** Follow a job until it ends, then read the window again (the ledger changed). */
  private watch(job: Job): void {
    if (this.following) window.clearTimeout(this.following.timer);
    const cancel = h("button", { type: "button", testid: "symbol-job-cancel" }, "Cancel");
    cancel.addEventListener("click", () => {
      cancelJob(job.id).then(
        (cancelled) => this.showJob(cancelled, cancel),
        (error: unknown) => showError(describe(error)),
      );
    });
    this.jobBox.hidden = false;
    this.showJob(job, cancel);
    const poll = async () => {
      try {
        const current = await getJob(job.id);
        this.showJob(current, cancel);
        if (FINISHED.has(current.state)) {
          this.following = null;
          if (this.query) void this.load(this.query, true);
          return;
        }
      } catch (error) {
        showError(describe(error));
      }
      if (this.following?.id === job.id) this.following.timer = window.setTimeout(() => void poll(), 1000);
    };
    this.following = { id: job.id, timer: window.setTimeout(() => void poll(), 500) };
  }

  private showJob(job: Job, cancel: HTMLButtonElement): void {
    cancel.hidden = FINISHED.has(job.state);
    this.jobBox.dataset["state"] = job.state;
    replace(
      this.jobBox,
      "Job ",
      h("a", { href: href("jobs"), title: job.id }, job.id.slice(0, 8)),
      ": ",
      h("span", { testid: "symbol-job-state", class: `job-${job.state}` }, jobLine(job)),
      " ",
      cancel,
    );
  }
}

// The universe view: every registry symbol by session, coloured by coverage state,
// from one request for the matrix. Filtering and sorting are done here, on the rows
// already loaded (10,000 rows sort in a few milliseconds): no request per key press.
import { describe, getJson, isAbort, url } from "./api";
import { debounce, formatCount, h, replace } from "./dom";
import { HeatMap } from "./heatmap";
import { markDemo, showError, clearError } from "./notice";
import { STATES, stateStyle } from "./palette";
import type { Route, View } from "./router";
import { href, navigate, remember } from "./router";
import type { Matrix, MatrixRow } from "./types";
import { TIMEFRAMES, isTimeframe } from "./types";
import { isDate } from "./time";

type Sort = "complete" | "complete-desc" | "symbol";

interface Query {
  tf: string;
  session: string;
  sessions: string;
  start: string;
  end: string;
}

const DEFAULT_SESSIONS = "20";
let painted = false;

export class UniverseView implements View {
  readonly element: HTMLElement;
  private readonly heatmap: HeatMap;
  private readonly summary = h("p", { class: "summary", testid: "universe-summary", "aria-live": "polite" }, "Loading…");
  private readonly legend = h("ul", { class: "legend", testid: "universe-legend" });
  private readonly controls: {
    tf: HTMLSelectElement;
    session: HTMLSelectElement;
    sessions: HTMLInputElement;
    start: HTMLInputElement;
    end: HTMLInputElement;
    prefix: HTMLInputElement;
    sort: HTMLSelectElement;
  };
  private matrix: Matrix | null = null;
  private loaded = "";
  private aborter: AbortController | null = null;

  constructor(route: Route) {
    this.heatmap = new HeatMap(
      (symbol, day) => navigate(href("symbol", symbol, { day, tf: this.matrix?.timeframe ?? null })),
      () => {
        if (!painted) {
          painted = true;
          performance.mark("chronox:universe-painted");
          document.body.dataset["universePainted"] = "true";
        }
      },
    );
    const c = (this.controls = {
      tf: h("select", { testid: "universe-timeframe", "aria-label": "timeframe" }, ...TIMEFRAMES.map((tf) => h("option", { value: tf }, tf))),
      session: h(
        "select",
        { testid: "universe-session", "aria-label": "session" },
        h("option", { value: "rth" }, "regular hours"),
        h("option", { value: "eth" }, "extended hours"),
      ),
      sessions: h("input", { type: "number", min: 1, max: 500, testid: "universe-sessions", "aria-label": "sessions", class: "narrow" }),
      start: h("input", { type: "date", testid: "universe-start", "aria-label": "first day" }),
      end: h("input", { type: "date", testid: "universe-end", "aria-label": "last day" }),
      prefix: h("input", {
        type: "search",
        placeholder: "symbol prefix",
        testid: "universe-prefix",
        "aria-label": "filter by symbol prefix",
        spellcheck: "false",
        autocomplete: "off",
      }),
      sort: h(
        "select",
        { testid: "universe-sort", "aria-label": "sort" },
        h("option", { value: "complete" }, "least complete first"),
        h("option", { value: "complete-desc" }, "most complete first"),
        h("option", { value: "symbol" }, "by symbol"),
      ),
    });
    const reload = () => this.apply(true);
    for (const control of [c.tf, c.session, c.start, c.end]) control.addEventListener("change", reload);
    // A count of sessions replaces a range (the range wins while it is set).
    c.sessions.addEventListener("change", () => {
      c.start.value = "";
      c.end.value = "";
      reload();
    });
    c.sort.addEventListener("change", () => this.apply(false));
    c.prefix.addEventListener("input", debounce(() => this.apply(false), 150));
    const form = h(
      "form",
      { class: "toolbar", testid: "universe-controls" },
      h("label", null, "Timeframe ", c.tf),
      h("label", null, "", c.session),
      h("label", null, "Last ", c.sessions, " sessions"),
      h("label", null, "or from ", c.start),
      h("label", null, "to ", c.end),
      h("label", null, "Filter ", c.prefix),
      h("label", null, "Sort ", c.sort),
      h("button", { type: "submit", testid: "universe-reload" }, "Reload"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.loaded = "";
      this.apply(true);
    });
    this.element = h(
      "section",
      { class: "view universe", testid: "view-universe", "aria-label": "coverage of the universe" },
      form,
      h("div", { class: "universe-head" }, this.summary, this.legend),
      this.heatmap.element,
    );
    this.legendItems(null);
    this.update(route);
  }

  update(route: Route): void {
    const p = route.params;
    const c = this.controls;
    c.tf.value = isTimeframe(p.get("tf")) ? (p.get("tf") as string) : "1m";
    c.session.value = p.get("session") === "eth" ? "eth" : "rth";
    c.sessions.value = /^\d+$/.test(p.get("sessions") ?? "") ? (p.get("sessions") as string) : DEFAULT_SESSIONS;
    c.start.value = isDate(p.get("start")) ? (p.get("start") as string) : "";
    c.end.value = isDate(p.get("end")) ? (p.get("end") as string) : "";
    c.prefix.value = p.get("prefix") ?? "";
    const sort = p.get("sort");
    c.sort.value = sort === "symbol" || sort === "complete-desc" ? sort : "complete";
    this.apply(true);
  }

  destroy(): void {
    this.aborter?.abort();
    this.heatmap.destroy();
  }

  private query(): Query {
    const c = this.controls;
    const ranged = Boolean(c.start.value || c.end.value);
    // With a range, the count shown is the range's (not part of the query).
    const sessions = ranged ? DEFAULT_SESSIONS : c.sessions.value || DEFAULT_SESSIONS;
    return { tf: c.tf.value, session: c.session.value, sessions, start: c.start.value, end: c.end.value };
  }

  /** Record the controls in the address; fetch the matrix again when its query changed. */
  private apply(fetchIfChanged: boolean): void {
    const q = this.query();
    const c = this.controls;
    remember(
      href("universe", null, {
        tf: q.tf === "1m" ? null : q.tf,
        session: q.session === "rth" ? null : q.session,
        sessions: q.sessions === DEFAULT_SESSIONS ? null : q.sessions,
        start: q.start,
        end: q.end,
        prefix: c.prefix.value.trim(),
        sort: c.sort.value === "complete" ? null : c.sort.value,
      }),
    );
    const key = JSON.stringify(q);
    if (fetchIfChanged && key !== this.loaded) {
      this.loaded = key;
      void this.load(q);
    } else {
      this.render();
    }
  }

  private async load(q: Query): Promise<void> {
    this.aborter?.abort();
    const aborter = (this.aborter = new AbortController());
    this.summary.textContent = "Loading the coverage matrix…";
    const path = url("/coverage/matrix", {
      timeframe: q.tf,
      session: q.session,
      sessions: q.start || q.end ? null : q.sessions,
      start: q.start,
      end: q.end,
    });
    try {
      const matrix = await getJson<Matrix>(path, aborter.signal);
      if (aborter.signal.aborted) return;
      if (!isMatrix(matrix)) {
        // An API from before the matrix reads the path as the ledger of a symbol "MATRIX".
        throw new Error("this API answers no coverage matrix at /coverage/matrix: it is older than this page");
      }
      performance.mark("chronox:universe-received");
      this.matrix = matrix;
      if (q.start || q.end) this.controls.sessions.value = String(matrix.days.length);
      if (matrix.demo) markDemo();
      clearError();
      this.render();
    } catch (error) {
      if (isAbort(error)) return;
      this.loaded = "";
      this.summary.textContent = `No matrix: ${describe(error)}`;
      showError(describe(error));
    }
  }

  private render(): void {
    const matrix = this.matrix;
    if (!matrix) return;
    const prefix = this.controls.prefix.value.trim().toUpperCase();
    const rows = prefix ? matrix.rows.filter((row) => row.symbol.startsWith(prefix)) : matrix.rows.slice();
    sortRows(rows, this.controls.sort.value as Sort);
    performance.mark("chronox:universe-sorted");
    this.heatmap.show({ days: matrix.days, states: matrix.states, rows });
    const counts = countStates(rows, matrix.states.length);
    this.legendItems(new Map(matrix.states.map((state, i) => [state, counts[i] ?? 0])));
    const incomplete = rows.filter((row) => row.complete !== null && row.complete < 100).length;
    const span = matrix.days.length ? `${matrix.days[0]} to ${matrix.days.at(-1)}` : "no session";
    replace(
      this.summary,
      `${formatCount(rows.length)} of ${formatCount(matrix.rows.length)} symbols × ${matrix.days.length} sessions (${span}), `,
      `${matrix.timeframe} ${matrix.session}: `,
      h("strong", { testid: "universe-incomplete" }, `${formatCount(incomplete)} incomplete`),
    );
  }

  private legendItems(counts: Map<string, number> | null): void {
    const states = this.matrix?.states ?? Object.keys(STATES);
    replace(
      this.legend,
      ...states.map((state) => {
        const style = stateStyle(state);
        const count = counts?.get(state);
        return h(
          "li",
          { title: style.help, testid: `legend-${state}` },
          h("span", { class: `swatch state-${state}`, "aria-hidden": "true" }),
          style.label,
          count === undefined ? null : h("span", { class: "count" }, ` ${formatCount(count)}`),
        );
      }),
    );
  }
}

/** Least complete first (ties by symbol); rows with nothing expected last. */
function sortRows(rows: MatrixRow[], sort: Sort): void {
  const bySymbol = (a: MatrixRow, b: MatrixRow) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0);
  if (sort === "symbol") {
    rows.sort(bySymbol);
    return;
  }
  const sign = sort === "complete" ? 1 : -1;
  rows.sort((a, b) => {
    const x = a.complete ?? Infinity;
    const y = b.complete ?? Infinity;
    if (x !== y) return x === Infinity ? 1 : y === Infinity ? -1 : sign * (x - y);
    return bySymbol(a, b);
  });
}

function countStates(rows: MatrixRow[], states: number): number[] {
  const counts = new Array<number>(states).fill(0);
  for (const row of rows) {
    const codes = row.codes;
    for (let i = 0; i < codes.length; i += 1) {
      const code = codes.charCodeAt(i) - 48;
      counts[code] = (counts[code] ?? 0) + 1;
    }
  }
  return counts;
}

function isMatrix(value: unknown): value is Matrix {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Partial<Matrix>;
  return Array.isArray(m.days) && Array.isArray(m.states) && Array.isArray(m.rows);
}

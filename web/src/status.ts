// The status view: what the API is connected to and whether it answers (/health,
// /info), and the pipeline's counters from /metrics: bars ingested and rejected,
// vendor requests by status (429s: the vendor's rate limit), retries, jobs by state.
import { describe, getJson, request } from "./api";
import { formatCount, h, replace } from "./dom";
import { clearError, markDemo, showError } from "./notice";
import type { Route, View } from "./router";
import { forgetToken, token } from "./token";
import type { Health, Info } from "./types";

const REFRESH_MS = 5000;

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments and malformed lines skipped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const row of text.split("\n")) {
    if (!row || row.startsWith("#")) continue;
    const match = line.exec(row);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(label)) labels[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, "$1");
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

function total(samples: Sample[], name: string, where: (labels: Record<string, string>) => boolean = () => true): number {
  return samples.filter((s) => s.name === name && where(s.labels)).reduce((sum, s) => sum + s.value, 0);
}

export class StatusView implements View {
  readonly element: HTMLElement;
  private readonly health = h("dl", { class: "facts", testid: "status-health" });
  private readonly info = h("dl", { class: "facts", testid: "status-info" });
  private readonly counters = h("dl", { class: "facts", testid: "status-metrics" });
  private readonly bySeries = h("tbody");
  private readonly tokenLine = h("p", { testid: "status-token" });
  private timer: number | undefined;
  private stopped = false;

  constructor(_route: Route) {
    const forget = h("button", { type: "button", testid: "token-forget" }, "Forget the token");
    forget.addEventListener("click", () => {
      forgetToken();
      this.showToken();
    });
    this.element = h(
      "section",
      { class: "view status", testid: "view-status", "aria-label": "status" },
      h(
        "div",
        { class: "cards" },
        h("article", { class: "card" }, h("h2", null, "Health"), this.health),
        h("article", { class: "card" }, h("h2", null, "This chronox"), this.info),
        h("article", { class: "card" }, h("h2", null, "Pipeline (this process, since it started)"), this.counters),
        h("article", { class: "card" }, h("h2", null, "This page"), this.tokenLine, forget),
      ),
      h("h2", null, "Bars by source and timeframe"),
      h(
        "table",
        { class: "table", testid: "status-series" },
        h("thead", null, h("tr", null, ...["source", "timeframe", "ingested", "rejected", "gap windows closed"].map((n, i) => h("th", { class: i > 1 ? "num" : null }, n)))),
        this.bySeries,
      ),
      h(
        "p",
        { class: "attribution" },
        "Charts by ",
        h("a", { href: "https://www.tradingview.com/", rel: "noopener noreferrer", target: "_blank" }, "TradingView Lightweight Charts™"),
        " (Apache-2.0).",
      ),
    );
    this.showToken();
    void this.refresh();
  }

  update(): void {
    void this.refresh();
  }

  destroy(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
  }

  private showToken(): void {
    this.tokenLine.textContent = token()
      ? "A token is kept in this tab's session storage and sent with every request."
      : "No token kept: the API is asked without one (it asks for one when it needs it).";
  }

  private async refresh(): Promise<void> {
    window.clearTimeout(this.timer);
    const failures: string[] = [];
    const [health, info, metrics] = await Promise.all([
      getJson<Health>("/health").catch((error: unknown) => void failures.push(`health: ${describe(error)}`)),
      getJson<Info>("/info").catch((error: unknown) => void failures.push(`info: ${describe(error)}`)),
      request("/metrics", { headers: { Accept: "text/plain" } })
        .then((response) => response.text())
        .catch((error: unknown) => void failures.push(`metrics: ${describe(error)}`)),
    ]);
    if (this.stopped) return;
    if (health) this.showHealth(health);
    if (info) this.showInfo(info);
    if (typeof metrics === "string") this.showMetrics(parseMetrics(metrics));
    if (failures.length) showError(failures.join("; "));
    else clearError();
    this.showToken();
    this.timer = window.setTimeout(() => void this.refresh(), REFRESH_MS);
  }

  private showHealth(health: Health): void {
    if (health.vendor.includes("demo")) markDemo();
    facts(this.health, [
      ["status", h("span", { class: `health-${health.status}`, testid: "health-status" }, health.status)],
      ["store", health.store],
      ["feed (events)", h("span", { testid: "health-events" }, health.events)],
      ["vendor", health.vendor],
    ]);
  }

  private showInfo(info: Info): void {
    if (info.demo) markDemo(info.source);
    facts(this.info, [
      ["version", info.version],
      ["store", info.store],
      ["source", `${info.source}${info.demo ? " (demo data)" : ""}`],
      ["calendar", info.calendar],
      ...Object.entries(info.counts).map(([name, n]): [string, string] => [name.replace(/_/g, " "), formatCount(n)]),
    ]);
  }

  private showMetrics(samples: Sample[]): void {
    const vendor = "chronox_vendor_requests_total";
    const limited = total(samples, vendor, (l) => l["status"] === "429");
    facts(this.counters, [
      ["bars ingested", formatCount(total(samples, "chronox_bars_ingested_total"))],
      ["bars rejected", h("span", { testid: "metric-rejected" }, formatCount(total(samples, "chronox_bars_rejected_total")))],
      ["gap windows closed", formatCount(total(samples, "chronox_gap_windows_closed_total"))],
      ["vendor requests", formatCount(total(samples, vendor))],
      ["vendor 429s (rate limited)", h("span", { testid: "metric-429", class: limited ? "warn" : "" }, formatCount(limited))],
      ["vendor errors", formatCount(total(samples, "chronox_vendor_errors_total"))],
      ["vendor retries", formatCount(total(samples, "chronox_vendor_retries_total"))],
      [
        "jobs",
        samples
          .filter((s) => s.name === "chronox_jobs" && s.value)
          .map((s) => `${s.value} ${s.labels["state"]}`)
          .join(", ") || "none",
      ],
    ]);
    const series = new Map<string, [number, number, number]>();
    const add = (name: string, at: 0 | 1 | 2) => {
      for (const s of samples.filter((x) => x.name === name)) {
        const key = `${s.labels["source"] ?? ""}\t${s.labels["timeframe"] ?? ""}`;
        const row = series.get(key) ?? [0, 0, 0];
        row[at] += s.value;
        series.set(key, row);
      }
    };
    add("chronox_bars_ingested_total", 0);
    add("chronox_bars_rejected_total", 1);
    add("chronox_gap_windows_closed_total", 2);
    replace(
      this.bySeries,
      ...[...series].map(([key, [ingested, rejected, closed]]) => {
        const [source, timeframe] = key.split("\t");
        return h(
          "tr",
          null,
          h("td", null, source ?? ""),
          h("td", null, timeframe ?? ""),
          h("td", { class: "num" }, formatCount(ingested)),
          h("td", { class: `num${rejected ? " warn" : ""}` }, formatCount(rejected)),
          h("td", { class: "num" }, formatCount(closed)),
        );
      }),
    );
    if (series.size === 0) replace(this.bySeries, h("tr", null, h("td", { colspan: 5 }, "Nothing ingested by this process yet.")));
  }
}

function facts(list: HTMLElement, rows: [string, string | Node][]): void {
  replace(list, ...rows.flatMap(([term, value]) => [h("dt", null, term), h("dd", null, value)]));
}

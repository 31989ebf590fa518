// The jobs view: every job the queue holds, newest first, refreshed every two seconds
// while the view is open; a running or queued job can be cancelled.
import { describe, getJson, url } from "./api";
import { h, replace } from "./dom";
import { cancelJob } from "./jobs_api";
import { clearError, showError } from "./notice";
import type { Route, View } from "./router";
import { href } from "./router";
import type { Job, JobsPage } from "./types";

const REFRESH_MS = 2000;
/** Jobs read per refresh (pages of the API's most). */
const MOST_PAGES = 5;

export class JobsView implements View {
  readonly element: HTMLElement;
  private readonly body = h("tbody");
  private readonly summary = h("p", { class: "summary", testid: "jobs-summary", "aria-live": "polite" }, "Loading jobs…");
  private readonly auto = h("input", { type: "checkbox", checked: true, testid: "jobs-auto" });
  private timer: number | undefined;
  private stopped = false;

  constructor(_route: Route) {
    const refresh = h("button", { type: "button", testid: "jobs-refresh" }, "Refresh");
    refresh.addEventListener("click", () => void this.refresh());
    this.auto.addEventListener("change", () => this.schedule());
    this.element = h(
      "section",
      { class: "view jobs", testid: "view-jobs", "aria-label": "jobs" },
      h("div", { class: "toolbar" }, refresh, h("label", null, this.auto, " refresh every 2 s")),
      this.summary,
      h(
        "table",
        { class: "table", testid: "jobs-table" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ...["job", "kind", "symbols", "state", "progress", "counts", "error", "worker", "attempts", ""].map((name) => h("th", null, name)),
          ),
        ),
        this.body,
      ),
    );
    void this.refresh();
  }

  update(): void {
    void this.refresh();
  }

  destroy(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
  }

  private schedule(): void {
    window.clearTimeout(this.timer);
    if (!this.stopped && this.auto.checked) this.timer = window.setTimeout(() => void this.refresh(), REFRESH_MS);
  }

  private async refresh(): Promise<void> {
    window.clearTimeout(this.timer);
    try {
      const jobs: Job[] = [];
      let unreadable: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: JobsPage = await getJson<JobsPage>(url("/jobs", { limit: 1000, cursor }));
        jobs.push(...page.jobs);
        unreadable = page.unreadable;
        cursor = page.next_cursor;
        pages += 1;
      } while (cursor && pages < MOST_PAGES);
      if (this.stopped) return;
      this.render(jobs, unreadable, cursor !== null);
      clearError();
    } catch (error) {
      showError(describe(error));
      this.summary.textContent = `No jobs: ${describe(error)}`;
    }
    this.schedule();
  }

  private render(jobs: Job[], unreadable: string[], more: boolean): void {
    const states = new Map<string, number>();
    for (const job of jobs) states.set(job.state, (states.get(job.state) ?? 0) + 1);
    this.summary.textContent = jobs.length
      ? `${jobs.length}${more ? "+" : ""} jobs: ${[...states].map(([state, n]) => `${n} ${state}`).join(", ")}` +
        (unreadable.length ? `; ${unreadable.length} records the queue cannot read (${unreadable.join(", ")})` : "")
      : "No job in the queue (finished jobs expire). Start one from a symbol's gap, or with chronox-cli backfill --enqueue.";
    replace(this.body, ...jobs.map((job) => this.row(job)));
  }

  private row(job: Job): HTMLTableRowElement {
    const cancellable = job.state === "queued" || job.state === "running";
    const cancel = h("button", { type: "button", testid: "job-cancel", disabled: !cancellable }, "Cancel");
    cancel.addEventListener("click", () => {
      cancel.disabled = true;
      cancelJob(job.id).then(
        () => void this.refresh(),
        (error: unknown) => showError(describe(error)),
      );
    });
    const percent = job.total ? Math.round((100 * job.done) / job.total) : job.state === "succeeded" ? 100 : 0;
    const counts = Object.entries(job.counts)
      .filter(([, n]) => n)
      .map(([name, n]) => `${name.replace(/_/g, " ")} ${n.toLocaleString("en-US")}`)
      .join(", ");
    const symbols = job.symbols.length
      ? job.symbols.slice(0, 5).map((symbol, i) => [i ? ", " : "", h("a", { href: href("symbol", symbol, { tf: job.timeframe ?? null }) }, symbol)])
      : [["registry"]];
    return h(
      "tr",
      { testid: "job-row", "data-state": job.state, "data-id": job.id },
      h("td", { title: job.id, class: "mono" }, job.id.slice(0, 8)),
      h("td", null, `${job.kind ?? "backfill"}${job.timeframe ? ` ${job.timeframe}` : ""}`),
      h("td", null, ...symbols.flat(), job.symbols.length > 5 ? ` +${job.symbols.length - 5}` : ""),
      h("td", null, h("span", { class: `state-pill job-${job.state}` }, job.state)),
      h(
        "td",
        null,
        h("progress", { max: 100, value: percent, "aria-label": `${percent}%` }),
        ` ${job.done}/${job.total}`,
      ),
      h("td", null, counts),
      h("td", { class: "error-cell" }, job.error ?? ""),
      h("td", null, job.worker ?? ""),
      h("td", { class: "num" }, job.attempts),
      h("td", null, cancel),
    );
  }
}

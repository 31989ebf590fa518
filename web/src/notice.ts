// What every view shares above it: the one-line error of the last failed request and
// the demo-data banner.
import { h, replace } from "./dom";

const errorLine = h("div", { class: "error-line", role: "alert", testid: "error-line", hidden: true });
const demoBanner = h("div", { class: "demo-banner", role: "status", testid: "demo-banner", hidden: true });
const demoSources = new Set<string>();

export function noticeElements(): HTMLElement[] {
  return [demoBanner, errorLine];
}

/** Show one line (the API's `detail`); it stays until dismissed or replaced. */
export function showError(message: string): void {
  const close = h("button", { class: "link", "aria-label": "dismiss", testid: "error-dismiss" }, "×");
  close.addEventListener("click", clearError);
  replace(errorLine, h("span", { testid: "error-text" }, message), close);
  errorLine.hidden = false;
}

export function clearError(): void {
  errorLine.hidden = true;
  replace(errorLine);
}

/** Mark what is shown as demo data (synthetic prices): the banner stays for the page. */
export function markDemo(source = "synthetic"): void {
  for (const name of source.split(",")) if (name.trim()) demoSources.add(name.trim());
  replace(
    demoBanner,
    h("strong", null, "Demo data: "),
    `these prices are generated (source: ${[...demoSources].join(", ")}), not real market data.`,
  );
  demoBanner.hidden = false;
  document.body.dataset["demo"] = "true";
}

// The dashboard's shell: the navigation, the notices every view shares, hash routing
// between the four views, and the keyboard shortcuts (u s j t).
import "./styles.css";
import { getJson } from "./api";
import { h, typingInto } from "./dom";
import { JobsView } from "./jobs";
import { markDemo, noticeElements } from "./notice";
import type { Route, View, ViewName } from "./router";
import { href, navigate, parseHash } from "./router";
import { StatusView } from "./status";
import { SymbolView } from "./symbol";
import type { Info } from "./types";
import { UniverseView } from "./universe";

interface Shown {
  name: ViewName;
  view: View & { key?(event: KeyboardEvent): boolean };
}

const VIEWS: Record<ViewName, { label: string; key: string; make(route: Route): View }> = {
  universe: { label: "Universe", key: "u", make: (route) => new UniverseView(route) },
  symbol: { label: "Symbol", key: "s", make: (route) => new SymbolView(route) },
  jobs: { label: "Jobs", key: "j", make: (route) => new JobsView(route) },
  status: { label: "Status", key: "t", make: (route) => new StatusView(route) },
};

const main = h("main", { id: "main", testid: "main", tabindex: -1 });
const links = new Map<ViewName, HTMLAnchorElement>();
let shown: Shown | null = null;
let lastSymbolHash = href("symbol");

function shell(): HTMLElement {
  const nav = h("nav", { "aria-label": "views", testid: "nav" });
  for (const [name, spec] of Object.entries(VIEWS) as [ViewName, (typeof VIEWS)[ViewName]][]) {
    const link = h(
      "a",
      { href: href(name), testid: `nav-${name}`, title: `${spec.label} (key ${spec.key})` },
      spec.label,
      h("kbd", { "aria-hidden": "true" }, spec.key),
    );
    links.set(name, link);
    nav.appendChild(link);
  }
  return h(
    "div",
    { class: "app" },
    h("header", { class: "top" }, h("a", { class: "brand", href: href("universe") }, "chronox"), nav),
    ...noticeElements(),
    main,
  );
}

function route(): void {
  const next = parseHash(location.hash);
  if (next.name === "symbol") lastSymbolHash = location.hash || href("symbol");
  for (const [name, link] of links) {
    if (name === next.name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (shown && shown.name === next.name) {
    shown.view.update(next);
    return;
  }
  shown?.view.destroy();
  main.replaceChildren();
  const view = VIEWS[next.name].make(next);
  shown = { name: next.name, view };
  main.appendChild(view.element);
  document.title = `${VIEWS[next.name].label} · chronox`;
  document.body.dataset["view"] = next.name;
}

function shortcuts(event: KeyboardEvent): void {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typingInto(event.target)) return;
  if (document.querySelector("dialog[open]")) return;
  const target = (Object.entries(VIEWS) as [ViewName, (typeof VIEWS)[ViewName]][]).find(([, spec]) => spec.key === event.key);
  if (target) {
    event.preventDefault();
    const [name] = target;
    if (name === "symbol" && shown?.name === "symbol") {
      document.querySelector<HTMLInputElement>('[data-testid="symbol-input"]')?.focus();
    } else {
      navigate(name === "symbol" ? lastSymbolHash : href(name));
    }
    return;
  }
  if (shown?.view.key?.(event)) event.preventDefault();
}

document.body.appendChild(shell());
window.addEventListener("hashchange", route);
window.addEventListener("keydown", shortcuts);
route();
// Whether the source makes demo data: the banner shows on every view from the start.
getJson<Info>("/info").then(
  (info) => {
    if (info.demo) markDemo(info.source);
  },
  () => undefined, // the view's own requests report what is wrong
);

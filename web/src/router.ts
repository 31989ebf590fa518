// Hash routes: #/universe, #/symbol/AAPL?day=2024-11-05&tf=1m, #/jobs, #/status.

export type ViewName = "universe" | "symbol" | "jobs" | "status";
const NAMES: readonly ViewName[] = ["universe", "symbol", "jobs", "status"];

export interface Route {
  name: ViewName;
  /** The path's second part: the symbol of #/symbol/AAPL. */
  arg: string | null;
  params: URLSearchParams;
}

export interface View {
  readonly element: HTMLElement;
  /** The route changed within this view (its parameters): show what it asks. */
  update(route: Route): void;
  destroy(): void;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, "");
  const [path = "", query = ""] = text.split("?", 2);
  const [first = "", second] = path.split("/");
  const name = (NAMES as readonly string[]).includes(first) ? (first as ViewName) : "universe";
  const arg = second ? decodeURIComponent(second) : null;
  return { name, arg, params: new URLSearchParams(query) };
}

export function href(name: ViewName, arg: string | null = null, params: Record<string, string | null | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
  const text = query.toString();
  return `#/${name}${arg ? `/${encodeURIComponent(arg)}` : ""}${text ? `?${text}` : ""}`;
}

export function navigate(target: string): void {
  if (location.hash === target) return;
  location.hash = target;
}

/** Record a view's own state in the address without a new history entry or a
 * hashchange (the view already shows it). */
export function remember(target: string): void {
  if (location.hash !== target) history.replaceState(null, "", target);
}

// The only way the page reaches chronox: its REST API on this origin, JSON in and out,
// with the token when one is asked for. Errors become ApiError with the body's detail.
import { markDemo } from "./notice";
import { askToken, token } from "./token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An error's one line for people: the API's `detail`, or what went wrong on the way. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  for (;;) {
    const headers = new Headers(init.headers);
    const bearer = token();
    if (bearer) headers.set("Authorization", `Bearer ${bearer}`);
    if (!headers.has("Accept")) headers.set("Accept", "application/json");
    let response: Response;
    try {
      response = await fetch(path, { ...init, headers, credentials: "same-origin", cache: "no-store" });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ApiError(0, "unreachable", `the API did not answer ${path.split("?")[0]}: ${describe(error)}`);
    }
    const demo = response.headers.get("X-Chronox-Demo");
    if (demo) markDemo(demo);
    if (response.ok) return response;
    const failure = await errorOf(response);
    if (response.status !== 401) throw failure;
    await askToken(failure.message); // rejects when the form is dismissed
  }
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await request(path, signal ? { signal } : {});
  return (await response.json()) as T;
}

export async function sendJson<T>(method: "POST" | "DELETE" | "PATCH", path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "Content-Type": "application/json" };
  }
  const response = await request(path, init);
  return (await response.json()) as T;
}

/** `path?name=value&...`, leaving out empty values. */
export function url(path: string, query: Record<string, string | number | boolean | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let detail = `${response.status} ${response.statusText}`.trim();
  try {
    const body = (await response.json()) as { error?: string; detail?: unknown };
    if (typeof body.error === "string") code = body.error;
    if (typeof body.detail === "string") detail = body.detail;
    else if (Array.isArray(body.detail)) detail = body.detail.map(validationLine).join("; ");
  } catch {
    // not JSON: the status line says it
  }
  return new ApiError(response.status, code, detail);
}

/** One item of FastAPI's 422 list: where, and what. */
function validationLine(item: unknown): string {
  if (typeof item !== "object" || item === null) return String(item);
  const { loc, msg } = item as { loc?: unknown[]; msg?: string };
  const where = Array.isArray(loc) ? loc.filter((part) => part !== "query" && part !== "body").join(".") : "";
  return where ? `${where}: ${msg ?? "invalid"}` : (msg ?? "invalid");
}

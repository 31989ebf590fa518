// /ws/bars: the bars of one symbol as they are stored (live or by a backfill). The
// token travels as a subprotocol (a browser cannot set headers on a WebSocket, and a
// URL would leak it into logs). The server closes with 4001 when a split or dividend
// changes the basis: the bars shown are stale, read them again.
import { askToken, base64url, token } from "./token";
import type { Basis, LiveBar, Timeframe } from "./types";

export type LiveState = "connecting" | "live" | "retrying" | "stopped";

export interface LiveHandlers {
  bar(bar: LiveBar): void;
  state(state: LiveState, detail: string): void;
  basisChanged(): void;
}

const BASIS_CHANGED = 4001;
const POLICY_VIOLATION = 1008;
const MAX_WAIT_MS = 30_000;

export class LiveFeed {
  private socket: WebSocket | null = null;
  private stopped = false;
  private wait = 1000;
  private timer: number | undefined;

  constructor(
    private readonly symbol: string,
    private readonly timeframe: Timeframe,
    private readonly adjust: Basis,
    private readonly on: LiveHandlers,
  ) {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.socket?.close(1000);
    this.socket = null;
  }

  private connect(): void {
    if (this.stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ symbols: this.symbol, timeframe: this.timeframe, adjust: this.adjust });
    const bearer = token();
    const protocols = bearer ? ["chronox.v1", `chronox.bearer.${base64url(bearer)}`] : ["chronox.v1"];
    this.on.state("connecting", "connecting to live bars…");
    let refusal: { error: string; detail: string } | null = null;
    let socket: WebSocket;
    try {
      socket = new WebSocket(`${scheme}://${location.host}/ws/bars?${query}`, protocols);
    } catch (error) {
      this.on.state("stopped", `live bars unavailable: ${String(error)}`);
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.wait = 1000;
      this.on.state("live", "live");
    });
    socket.addEventListener("message", (event: MessageEvent<string>) => {
      let frame: unknown;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return; // not ours to read
      }
      if (typeof frame !== "object" || frame === null) return;
      if ("error" in frame) refusal = frame as { error: string; detail: string };
      else this.on.bar(frame as LiveBar);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      if (event.code === BASIS_CHANGED) {
        this.on.basisChanged();
        return;
      }
      const said = refusal as { error: string; detail: string } | null;
      if (event.code === POLICY_VIOLATION && said?.error === "unauthorized") {
        this.on.state("stopped", said.detail);
        askToken(said.detail).then(
          () => this.connect(),
          () => this.on.state("stopped", "live bars need the API token"),
        );
        return;
      }
      if (event.code === POLICY_VIOLATION) {
        this.on.state("stopped", `live bars refused: ${said?.detail ?? event.reason}`);
        return;
      }
      const why = said?.detail ?? (event.reason || "connection lost");
      this.on.state("retrying", `live bars: ${why}; retrying in ${Math.round(this.wait / 1000)} s`);
      this.timer = window.setTimeout(() => this.connect(), this.wait);
      this.wait = Math.min(MAX_WAIT_MS, this.wait * 2);
    });
  }
}

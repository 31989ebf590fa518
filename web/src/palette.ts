// Every colour the dashboard draws with, in one place. Coverage states take the
// Okabe-Ito palette (told apart with any colour vision), and the states that are not
// failures of ours ("unlisted": never expected, "empty": the source confirmed nothing
// traded, "pending": not over yet) are drawn with a pattern or outline, not a colour
// alone, so none reads as a gap. docs/dashboard.md shows the legend.

export interface StateStyle {
  label: string;
  colour: string;
  /** How the cell is drawn beyond its fill. */
  mark: "fill" | "hatch" | "outline" | "dot";
  help: string;
}

export const STATES: Record<string, StateStyle> = {
  final: { label: "final", colour: "#0072B2", mark: "fill", help: "fetched after the window settled: complete" },
  provisional: {
    label: "provisional",
    colour: "#56B4E9",
    mark: "fill",
    help: "seen live or fetched too recently: re-fetched once settled",
  },
  unconfirmed: {
    label: "unconfirmed",
    colour: "#F0E442",
    mark: "fill",
    help: "the source answered empty once: asked again later",
  },
  hole: { label: "hole", colour: "#CC79A7", mark: "fill", help: "fetched, but the source had no bar for some slots" },
  gap: { label: "gap", colour: "#D55E00", mark: "fill", help: "expected slots nobody has fetched: backfill them" },
  unlisted: {
    label: "unlisted",
    colour: "#4b515b",
    mark: "hatch",
    help: "before the listing or after the delisting: never expected",
  },
  empty: { label: "empty", colour: "#8a939c", mark: "dot", help: "the source confirmed no trade in the session" },
  pending: { label: "pending", colour: "#6b7480", mark: "outline", help: "the session has not ended (or settled) yet" },
};

export const UNKNOWN_STATE: StateStyle = { label: "unknown", colour: "#ffffff", mark: "outline", help: "" };

export function stateStyle(name: string): StateStyle {
  return STATES[name] ?? UNKNOWN_STATE;
}

export const CHART = {
  background: "#101418",
  text: "#c8ced6",
  grid: "#1c232b",
  border: "#2c3540",
  // Blue up, orange down: told apart without red-green vision.
  up: "#56B4E9",
  down: "#E69F00",
  volumeUp: "#2d5f80",
  volumeDown: "#7a5a14",
  // Provisional bars are drawn hollow (their border in the candle's colour).
  hollow: "rgba(0, 0, 0, 0)",
  selection: "rgba(255, 255, 255, 0.9)",
};


/** A diagonal hatch (for "unlisted"), made once per context. */
export function hatchPattern(context: CanvasRenderingContext2D, colour: string): CanvasPattern | string {
  const tile = document.createElement("canvas");
  tile.width = 6;
  tile.height = 6;
  const t = tile.getContext("2d");
  if (!t) return colour;
  t.fillStyle = "#22262d";
  t.fillRect(0, 0, 6, 6);
  t.strokeStyle = colour;
  t.lineWidth = 1.5;
  t.beginPath();
  t.moveTo(-1, 7);
  t.lineTo(7, -1);
  t.moveTo(5, 7);
  t.lineTo(7, 5);
  t.moveTo(-1, 1);
  t.lineTo(1, -1);
  t.stroke();
  return context.createPattern(tile, "repeat") ?? colour;
}

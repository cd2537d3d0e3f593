// Renders a run's time series as a small self-contained SVG: throughput lines on top,
// latency p50/p99 lines below, one shared time axis. No dependencies. Pure.

/** A named line of per-second values. */
export interface Line {
  readonly name: string;
  readonly values: readonly number[];
  readonly color: string;
}

const width = 900;
const panelHeight = 220;
const margin = { left: 70, right: 180, top: 30, bottom: 30 };

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  return Math.ceil(max / magnitude) * magnitude;
}

function panel(title: string, unit: string, lines: readonly Line[], top: number): string {
  const seconds = Math.max(1, ...lines.map((l) => l.values.length));
  const max = niceMax(Math.max(0, ...lines.flatMap((l) => l.values)));
  const plotW = width - margin.left - margin.right;
  const plotH = panelHeight - margin.top - margin.bottom;
  const x = (i: number) => margin.left + (seconds === 1 ? 0 : (i / (seconds - 1)) * plotW);
  const y = (v: number) => top + margin.top + plotH - (v / max) * plotH;
  const parts: string[] = [`<text x="${margin.left}" y="${top + 18}" font-size="14" font-weight="bold">${escape(title)}</text>`];
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${Number(v.toPrecision(3))}</text>`);
  }
  parts.push(`<text x="${margin.left + plotW}" y="${top + panelHeight - 8}" font-size="11" text-anchor="end">seconds (0-${seconds - 1}); ${escape(unit)}</text>`);
  lines.forEach((line, i) => {
    const points = line.values.map((v, s) => `${x(s).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    parts.push(`<polyline fill="none" stroke="${line.color}" stroke-width="1.8" points="${points}"/>`);
    const ly = top + margin.top + 14 * i + 8;
    parts.push(`<rect x="${width - margin.right + 10}" y="${ly - 8}" width="12" height="3" fill="${line.color}"/>`);
    parts.push(`<text x="${width - margin.right + 28}" y="${ly - 3}" font-size="11">${escape(line.name)}</text>`);
  });
  return parts.join("\n");
}

/**
 * An SVG with a throughput panel and a latency panel.
 * Example: `renderChart("throughput 2026-11-26", [{ name: "acked/s", values, color: "#1f77b4" }], latencyLines)`.
 */
export function renderChart(title: string, throughput: readonly Line[], latency: readonly Line[]): string {
  const height = 2 * panelHeight + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${margin.left}" y="18" font-size="15">${escape(title)}</text>`,
    panel("Throughput", "events/s", throughput, 20),
    panel("Latency", "ms (p50 / p99 per second)", latency, 20 + panelHeight),
    "</svg>",
  ].join("\n");
}

/** Distinct colours for up to eight lines. */
export const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

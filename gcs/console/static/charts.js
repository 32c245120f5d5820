// Strip charts (uPlot, when /vendor/uplot is installed): altitude, speed, dynamic pressure and
// chamber pressure against the station's clock. Samples come in with their own time (the ITEM's
// `t`), a gap longer than the value's stale limit breaks the line instead of bridging it, and old
// samples are thinned so a whole flight fits in a bounded buffer.
// Knows nothing of the stream or the DOM outside its own container.

import { engineOf } from "./model.js";
import { h, isNum, setAttr, setText, toggleClass } from "./util.js";

const MAX_POINTS = 3000;
// Redraw a chart with new samples at most this often (the page renders at most 5 times a second and
// calls draw() from its render, so a redraw shares that frame instead of adding one of its own).
const REDRAW_MS = 400;

export const CHARTS = [
  { id: "altitude", title: "ALTITUDE", unit: "km", scale: 1e-3, get: (v) => v.altitude_m, stroke: "#4fc3f7" },
  { id: "speed", title: "SPEED", unit: "m/s", scale: 1, get: (v) => v.speed_mps, stroke: "#9ccc65" },
  { id: "dynamic-pressure", title: "DYNAMIC PRESSURE", unit: "kPa", scale: 1e-3, get: (v) => v.dynamic_pressure_pa, stroke: "#ffb74d" },
  { id: "chamber-pressure", title: "CHAMBER PRESSURE", unit: "MPa", scale: 1e-6, get: (v) => engineOf(v).chamberPa, stroke: "#f06292" },
];

class Strip {
  constructor(def, container) {
    this.def = def;
    this.xs = [];
    this.ys = [];
    this.lastT = null;
    this.dirty = false;
    this.plot = null;
    this.el = h("div", { class: "chart", "data-testid": `chart-${def.id}` });
    this.head = h("div", { class: "chart-head" }, h("span", { class: "chart-title" }, def.title), h("span", { class: "chart-unit" }, def.unit));
    this.now = h("span", { class: "chart-now", "data-testid": `chart-${def.id}-now` });
    this.head.append(this.now);
    this.body = h("div", { class: "chart-body" });
    this.staleEl = h("div", { class: "chart-stale" });
    this.el.append(this.head, this.body, this.staleEl);
    container.append(this.el);
  }

  create(uPlot) {
    const r = this.body.getBoundingClientRect();
    const axis = { stroke: "#b8c4d0", grid: { stroke: "#26313d", width: 1 }, ticks: { stroke: "#26313d", width: 1 }, font: "13px system-ui, sans-serif" };
    this.plot = new uPlot({
      width: Math.max(120, Math.floor(r.width)),
      height: Math.max(60, Math.floor(r.height)),
      legend: { show: false },
      cursor: { show: true, drag: { x: false, y: false } },
      scales: { x: { time: true } },
      series: [{}, { stroke: this.def.stroke, width: 2, spanGaps: false, points: { show: false } }],
      axes: [{ ...axis, space: 90, values: (u, ticks) => ticks.map((t) => new Date(t * 1000).toISOString().slice(11, 19)) }, { ...axis, size: 56, space: 30 }],
    }, [this.xs, this.ys], this.body);
  }

  add(t, y, gapS) {
    if (!isNum(t) || (this.lastT !== null && t <= this.lastT)) return;
    if (this.lastT !== null && isNum(gapS) && t - this.lastT > gapS) {
      // A break in the data: a null point so uPlot leaves a gap.
      this.xs.push((this.lastT + t) / 2);
      this.ys.push(null);
    }
    this.xs.push(t);
    this.ys.push(isNum(y) ? y * this.def.scale : null);
    this.lastT = t;
    if (this.xs.length > MAX_POINTS) {
      // Thin the older half: keep every other sample, so the whole flight stays on the chart.
      const half = Math.floor(this.xs.length / 2);
      const xs = [];
      const ys = [];
      for (let i = 0; i < half; i += 2) {
        xs.push(this.xs[i]);
        ys.push(this.ys[i] === null || this.ys[i + 1] === null ? null : this.ys[i]);
      }
      this.xs = xs.concat(this.xs.slice(half));
      this.ys = ys.concat(this.ys.slice(half));
    }
    this.dirty = true;
  }

  redraw() {
    if (this.plot && this.dirty) {
      this.plot.setData([this.xs, this.ys]);
      this.dirty = false;
    }
  }

  resize() {
    if (!this.plot) return;
    const r = this.body.getBoundingClientRect();
    this.plot.setSize({ width: Math.max(120, Math.floor(r.width)), height: Math.max(60, Math.floor(r.height)) });
  }
}

export class StripCharts {
  constructor(container) {
    this.container = container;
    this.strips = CHARTS.map((def) => new Strip(def, container));
    this.uPlot = null;
    this.drawnMs = -Infinity;
  }

  /** Start drawing once uPlot is loaded; without it the panel shows only the current values. */
  start(uPlot) {
    if (typeof uPlot !== "function") return false;
    this.uPlot = uPlot;
    for (const s of this.strips) s.create(uPlot);
    new ResizeObserver(() => this.strips.forEach((s) => s.resize())).observe(this.container);
    return true;
  }

  /** Redraw the charts that have new samples, if the last redraw is REDRAW_MS old (page clock, ms). */
  draw(nowMs) {
    if (nowMs - this.drawnMs < REDRAW_MS) return;
    this.drawnMs = nowMs;
    for (const s of this.strips) s.redraw();
  }

  /** One vehicle state ITEM. */
  add(item) {
    if (!item || typeof item !== "object" || !item.v || typeof item.v !== "object") return;
    const period = isNum(item.period_s) ? item.period_s : null;
    const gap = period ? Math.max(3 * period, period + 1.0) : null;
    for (const s of this.strips) s.add(item.t, s.def.get(item.v), gap);
  }

  /** Current value and staleness per chart (from the app's freshness rule). */
  mark(vehicle, fresh, ageText) {
    for (const s of this.strips) {
      const y = vehicle ? s.def.get(vehicle) : undefined;
      setText(s.now, isNum(y) ? `${(y * s.def.scale).toFixed(s.def.scale === 1 ? 0 : 2)} ${s.def.unit}` : "—");
      const stale = fresh !== "live";
      toggleClass(s.el, "stale", stale);
      setAttr(s.el, "data-stale", stale ? "true" : "false");
      setText(s.staleEl, stale ? (fresh === "nodata" ? "NO DATA" : `STALE ${ageText}`) : "");
    }
  }
}

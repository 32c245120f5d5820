// Small helpers shared by the console's modules: DOM building, number and time formatting,
// flight-phase names and the staleness rule of the console contract (docs/console.md).
// Knows nothing of the WebSocket, the panels or the commands.

/** Build an element: h("div", {class: "x", "data-testid": "y"}, child, "text", ...). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Set text only when it changed (keeps layout and selection steady at 10 updates a second). A lone
 * text node keeps its place and gets the new characters: cheaper for the browser than replacing it.
 */
export function setText(el, text) {
  if (!el) return;
  const s = text === null || text === undefined ? "" : String(text);
  if (el.textContent === s) return;
  const only = el.firstChild;
  if (s && only && only === el.lastChild && only.nodeType === Node.TEXT_NODE) only.data = s;
  else el.textContent = s;
}

/** Hide or show: the attribute is written only when it changes (each write restyles the element). */
export function setHidden(el, hidden) {
  if (el && el.hidden !== Boolean(hidden)) el.hidden = Boolean(hidden);
}

/** One inline style property, written only when its value changes. */
export function setStyle(el, property, value) {
  if (el && el.style[property] !== value) el.style[property] = value;
}

export function setAttr(el, name, value) {
  if (!el) return;
  if (value === null || value === undefined || value === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
    return;
  }
  const s = value === true ? "" : String(value);
  if (el.getAttribute(name) !== s) el.setAttribute(name, s);
}

export function toggleClass(el, name, on) {
  if (el && el.classList.contains(name) !== Boolean(on)) el.classList.toggle(name, Boolean(on));
}

/** Swap one of a set of state classes (e.g. go / no-go / stale) on an element. */
export function stateClass(el, prefix, state) {
  if (!el) return;
  const want = state ? `${prefix}${state}` : null;
  for (const c of [...el.classList]) if (c.startsWith(prefix) && c !== want) el.classList.remove(c);
  if (want && !el.classList.contains(want)) el.classList.add(want);
}

export const isNum = (v) => typeof v === "number" && Number.isFinite(v);
export const obj = (v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? v : {});
export const arr = (v) => (Array.isArray(v) ? v : []);
export const str = (v) => (typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));

/** Thousands separated with thin spaces, for large counts. */
export function fmtInt(v) {
  if (!isNum(v)) return "—";
  return Math.round(v).toString().replace(/\B(?=(\d{3})+(?!\d))/g, "\u2009");
}

/** A duration as H:MM:SS or M:SS (no sign). */
export function fmtDuration(seconds) {
  if (!isNum(seconds)) return "—";
  const s = Math.floor(Math.abs(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  return hh > 0 ? `${hh}:${two(mm)}:${two(ss)}` : `${mm}:${two(ss)}`;
}

/** Count time as the launch team says it: T-00:02:30 before T-0, T+00:01:05 after. */
export function fmtCount(t) {
  if (!isNum(t)) return "T-—:—:—";
  const sign = t < 0 ? "T-" : "T+";
  // Before T-0 show the whole second still to go, so T-0 reads 00:00:00 only at liftoff.
  const s = t < 0 ? Math.ceil(-t - 1e-9) : Math.floor(t);
  const two = (n) => String(n).padStart(2, "0");
  return `${sign}${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
}

/** An age in seconds, short: 0.4 s, 12 s, 3 min, 2 h. */
export function fmtAge(age) {
  if (!isNum(age)) return "—";
  if (age < 0) return "0 s";
  if (age < 10) return `${age.toFixed(1)} s`;
  if (age < 120) return `${Math.round(age)} s`;
  if (age < 7200) return `${Math.round(age / 60)} min`;
  return `${Math.round(age / 3600)} h`;
}

/** A UNIX time as UTC HH:MM:SS. */
export function fmtUtc(unixS) {
  if (!isNum(unixS)) return "—";
  const d = new Date(unixS * 1000);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toISOString().slice(11, 19);
}

export const FLIGHT_PHASES = [
  "SAFE", "STANDBY", "TERMINAL_COUNT", "IGNITION", "ASCENT", "COAST", "ENTRY", "LANDING_BURN",
  "TOUCHDOWN", "SAFING", "ABORT", "FLIGHT_TERMINATION",
];

/** A flight phase from the wire (an integer or a name in any case) as an upper-case name, or "". */
export function phaseName(p) {
  if (isNum(p)) return FLIGHT_PHASES[p] || `PHASE ${p}`;
  if (typeof p === "string" && p) return p.toUpperCase();
  return "";
}

export function phaseLabel(p) {
  return phaseName(p).replace(/_/g, " ");
}

/** Which colour family a phase belongs to. */
export function phaseTone(p) {
  const n = phaseName(p);
  if (n === "ABORT" || n === "FLIGHT_TERMINATION") return "red";
  if (["IGNITION", "ASCENT", "COAST", "ENTRY", "LANDING_BURN"].includes(n)) return "blue";
  if (n === "TERMINAL_COUNT") return "amber";
  if (n === "TOUCHDOWN" || n === "SAFING") return "green";
  return n ? "neutral" : "";
}

export const ROLE_TITLES = {
  viewer: "viewer",
  operator: "operator",
  launch_director: "launch director",
  range_safety: "range safety",
  vehicle: "vehicle",
  propulsion: "propulsion",
  landing_platform: "landing platform",
  weather: "weather",
};

export const roleTitle = (r) => ROLE_TITLES[r] || str(r).replace(/_/g, " ");

/**
 * How fresh a value is, by the console contract: stale when the station's clock is further past
 * the value's time than max(3 periods, period + 1 s). A value without a period is as fresh as the
 * station link itself. `slackS` widens the limit by what the console's own update cadence costs on
 * the station's clock (see Store.slackS). Returns {state: "live"|"stale"|"nodata", age}.
 */
export function freshness(item, serverTimeS, linkAlive, slackS = 0) {
  if (!item || typeof item !== "object" || !("v" in item) || item.v === null || item.v === undefined) {
    return { state: "nodata", age: null };
  }
  const age = isNum(item.t) && isNum(serverTimeS) ? Math.max(0, serverTimeS - item.t) : null;
  if (!linkAlive) return { state: "stale", age };
  const period = item.period_s;
  if (isNum(period) && period > 0) {
    if (age === null) return { state: "stale", age };
    const allowed = Math.max(3 * period, period + 1.0) + (isNum(slackS) ? slackS : 0);
    return { state: age > allowed ? "stale" : "live", age };
  }
  return { state: "live", age };
}

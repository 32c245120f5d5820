// The page's picture of the station: the latest ITEM per key from the stream, the station's clock,
// the journal, and the launch status turned into one steady shape for the panels.
//
// The launch status is LaunchStatus turned to JSON mechanically by the server, so its exact field
// names follow the Python dataclasses (poll.rows[].station.name, criteria[].criterion.limit, ...).
// It comes in parts (gcs/console/launch_parts.py): `launch` at every tick, with the criteria's and
// red lines' live values by name, and `launch/definitions`, `launch/poll`, `launch/alerts` and
// `launch/recovery` only when they change; `Store.launchPayload` puts them together again.
// `launchView` also reads the flatter shape of the console contract (poll.stations[].answer "go",
// red_lines[].level "green", ...), so either spelling works; missing parts come out empty, never
// undefined. Knows nothing of the DOM.

import { arr, freshness, isNum, obj, phaseName, str } from "./util.js";

const JOURNAL_KEEP = 500;
// Without a tick for this long (wall time) the station link is gone: nothing on screen is live.
const LINK_SILENCE_MS = 2500;
// Wall time for which the station clock's rate is measured (accelerated simulation runs it fast).
const RATE_WINDOW_MS = 4000;
// Ticks come every 0.25 s; allow one tick and some network jitter on top of the update interval.
const DELIVERY_JITTER_S = 0.35;

export class Store {
  constructor() {
    this.values = new Map();
    this.serverTimeS = null;
    this.lastMessageWallMs = null;
    this.connected = false;
    this.config = {};
    this.user = null;
    this.journal = [];
    this.journalSeqs = new Set();
    this.clockSamples = [];
    this.launchCache = null;
  }

  reset() {
    this.launchCache = null;
    this.clockSamples = [];
    this.values.clear();
    this.journal = [];
    this.journalSeqs.clear();
    this.serverTimeS = null;
  }

  /** Whether messages still arrive from the station (ticks come 4 times a second). */
  linkAlive(nowWallMs = Date.now()) {
    return this.connected && this.lastMessageWallMs !== null && nowWallMs - this.lastMessageWallMs < LINK_SILENCE_MS;
  }

  get(key) {
    return this.values.get(key) || null;
  }

  /**
   * The launch status in one payload, the shape of the whole LaunchStatus (what launchView reads),
   * put together from its keys; the same object until one of them changes.
   */
  launchPayload() {
    const items = LAUNCH_KEYS.map((key) => this.get(key));
    const cache = this.launchCache;
    if (cache && items.every((item, i) => item === cache.items[i])) return cache.payload;
    const payload = assembleLaunch(...items.map((item) => (item ? item.v : undefined)));
    this.launchCache = { items, payload };
    return payload;
  }

  /** Station seconds per wall second, measured from the messages' server_time_s (1 until known). */
  clockRate() {
    const s = this.clockSamples;
    if (s.length < 2) return 1;
    const [w0, t0] = s[0];
    const [w1, t1] = s[s.length - 1];
    if (w1 - w0 < 500) return 1;
    const rate = (t1 - t0) / ((w1 - w0) / 1000);
    return isNum(rate) ? Math.min(1000, Math.max(0.05, rate)) : 1;
  }

  /**
   * What the console's own cadence costs on the station's clock: the server sends at most
   * max_update_hz messages a second (wall), so at 50x simulation a value can be 5 station seconds
   * old when it arrives without anything being wrong. The stale rule allows for that, no more.
   */
  slackS() {
    const hz = isNum(this.config.max_update_hz) && this.config.max_update_hz > 0 ? this.config.max_update_hz : 10;
    return this.clockRate() * (1 / hz + DELIVERY_JITTER_S);
  }

  /**
   * The station's clock now: its last word while messages flow; while they do not, that word plus
   * the wall time since at the clock's measured rate, so ages keep growing while the link is down.
   */
  nowS() {
    if (!isNum(this.serverTimeS)) return null;
    if (this.linkAlive() || this.lastMessageWallMs === null) return this.serverTimeS;
    return this.serverTimeS + ((Date.now() - this.lastMessageWallMs) / 1000) * this.clockRate();
  }

  /** The payload of a key (or {} when absent), and its freshness. */
  read(key) {
    const item = this.get(key);
    const f = freshness(item, this.nowS(), this.linkAlive(), this.slackS());
    return { v: item && item.v && typeof item.v === "object" ? item.v : {}, item, ...f };
  }

  /** Apply one stream message; returns the keys that changed (for charts and the track). */
  apply(message) {
    const m = obj(message);
    this.lastMessageWallMs = Date.now();
    if (isNum(m.server_time_s)) {
      this.serverTimeS = m.server_time_s;
      const now = this.lastMessageWallMs;
      this.clockSamples.push([now, m.server_time_s]);
      while (this.clockSamples.length > 2 && now - this.clockSamples[0][0] > RATE_WINDOW_MS) this.clockSamples.shift();
    }
    const changed = [];
    switch (m.type) {
      case "hello":
        this.config = obj(m.config);
        this.user = obj(m.user);
        break;
      case "snapshot":
        this.values.clear();
        this.journal = [];
        this.journalSeqs.clear();
        this.mergeValues(m.values, changed);
        this.addJournal(m.journal);
        break;
      case "update":
        this.mergeValues(m.values, changed);
        break;
      case "journal":
        this.addJournal(m.entries);
        break;
      default:
        break;
    }
    return changed;
  }

  mergeValues(values, changed) {
    for (const [key, item] of Object.entries(obj(values))) {
      if (item && typeof item === "object") {
        this.values.set(key, item);
        changed.push(key);
      }
    }
  }

  addJournal(entries) {
    for (const e of arr(entries)) {
      if (!e || typeof e !== "object") continue;
      if (isNum(e.seq)) {
        if (this.journalSeqs.has(e.seq)) continue;
        this.journalSeqs.add(e.seq);
      }
      this.journal.push(e);
    }
    this.journal.sort((a, b) => (isNum(a.seq) && isNum(b.seq) ? a.seq - b.seq : 0));
    if (this.journal.length > JOURNAL_KEEP) {
      for (const e of this.journal.splice(0, this.journal.length - JOURNAL_KEEP)) this.journalSeqs.delete(e.seq);
    }
  }

  get sysid() {
    const s = this.config.vehicle_sysid;
    if (isNum(s)) return s;
    for (const key of this.values.keys()) {
      const m = /^vehicle\/(\d+)\//.exec(key);
      if (m) return Number(m[1]);
    }
    return 1;
  }

  /** Names of the platforms that have keys, in a stable order. */
  platformNames() {
    const names = new Set();
    for (const key of this.values.keys()) {
      const m = /^platform\/([^/]+)\//.exec(key);
      if (m) names.add(m[1]);
    }
    return [...names].sort();
  }
}

// --- the launch status --------------------------------------------------------------------------

function limitText(limit) {
  if (limit === null || limit === undefined) return "";
  if (typeof limit === "number") return compact(limit);
  if (typeof limit === "string") return limit;
  const l = obj(limit);
  const n = (v) => (isNum(v) ? compact(v) : "?");
  if (l.must_be === "between") return `${n(l.low)} … ${n(l.high)}`;
  if (l.must_be === "outside") return `outside ${n(l.low)} … ${n(l.high)}`;
  if (l.must_be) return `${l.must_be} ${n(l.limit)}`;
  return "";
}

/** A number short enough for a table cell: 35000 -> 35 k, 0.5 -> 0.5, 250000 -> 250 k. */
export function compact(v) {
  if (!isNum(v)) return "—";
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)} k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(2);
}

function answerOf(a) {
  if (a === null || a === undefined) return null;
  if (typeof a === "string") return a === "go" ? "go" : a === "no_go" || a === "no-go" || a === "nogo" ? "no_go" : null;
  if (typeof a === "boolean") return a ? "go" : "no_go";
  const o = obj(a);
  if (typeof o.go === "boolean") return o.go ? "go" : "no_go";
  return null;
}

function pollView(poll, configStations) {
  const p = obj(poll);
  let state = str(p.state);
  if (!state) state = p.open === true ? "open" : "closed";
  const rowsIn = arr(p.rows).length ? arr(p.rows) : arr(p.stations);
  const rows = rowsIn.map((r) => {
    const o = obj(r);
    const station = o.station && typeof o.station === "object" ? o.station : { name: o.station, role: o.role, title: o.title };
    const ans = o.answer && typeof o.answer === "object" ? o.answer : {};
    return {
      name: str(station.name),
      title: str(station.title) || str(station.name).replace(/_/g, " "),
      role: str(station.role || o.role),
      answer: answerOf(o.answer),
      who: str(ans.who || o.who) || null,
      reason: str(ans.reason || o.reason),
    };
  });
  if (!rows.length) {
    for (const s of arr(configStations)) {
      const o = obj(s);
      rows.push({ name: str(o.name), title: str(o.title) || str(o.name).replace(/_/g, " "), role: str(o.role), answer: null, who: null, reason: "" });
    }
  }
  // No-gos no station can answer away (the fleet's word on the airframe): the poll stays no-go.
  const blockers = arr(p.blockers).map((b) => (typeof b === "string" ? { source: "", reason: b } : { source: str(obj(b).source), reason: str(obj(b).reason) }))
    .filter((b) => b.source || b.reason);
  return { state, open: state === "open", round: isNum(p.round) ? p.round : 0, rows, goBy: str(p.go_for_launch_by) || null, blockers };
}

function gateView(g) {
  const o = obj(g);
  const reasons = arr(o.reasons).map(str).filter(Boolean);
  if (!reasons.length && str(o.reason)) reasons.push(str(o.reason));
  return { go: o.go === true, reasons };
}

function criteriaView(list) {
  return arr(list).map((c) => {
    const o = obj(c);
    const def = obj(o.criterion && typeof o.criterion === "object" ? o.criterion : o);
    return {
      name: str(def.name || def.field),
      field: str(def.field),
      limit: limitText(def.limit !== undefined ? def.limit : o.limit),
      value: isNum(o.value) ? o.value : null,
      valueT: isNum(o.value_t_s) ? o.value_t_s : null,
      maxAge: isNum(def.max_age_s) ? def.max_age_s : null,
      state: str(o.state) || "no_data",
      reason: str(o.reason),
    };
  });
}

function levelOf(l) {
  const s = str(l).toLowerCase();
  if (s === "normal" || s === "green") return "green";
  if (s === "yellow" || s === "red") return s;
  return s || "inactive";
}

function redLinesView(list) {
  return arr(list).map((r) => {
    const o = obj(r);
    const def = obj(o.red_line && typeof o.red_line === "object" ? o.red_line : o);
    return {
      name: str(def.name || def.field),
      field: str(def.field),
      level: levelOf(o.level),
      value: isNum(o.value) ? o.value : null,
      valueT: isNum(o.value_t_s) ? o.value_t_s : null,
      yellow: limitText(def.yellow !== undefined ? def.yellow : o.yellow),
      red: limitText(def.red !== undefined ? def.red : o.red),
    };
  });
}

const SEVERITY_RANK = { advisory: 0, caution: 1, warning: 2, emergency: 3 };

function alertsView(list) {
  const out = arr(list).map((a) => {
    const o = obj(a);
    let state = str(o.state);
    if (!state) state = o.acknowledged_by ? "acknowledged" : o.active === false ? "latched" : "unacknowledged";
    return {
      key: str(o.key),
      severity: str(o.severity).toLowerCase() || "warning",
      peak: str(o.peak_severity || o.severity).toLowerCase() || "warning",
      message: str(o.message),
      source: str(o.source),
      raisedS: isNum(o.raised_at_s) ? o.raised_at_s : isNum(o.raised_s) ? o.raised_s : null,
      state,
      ackBy: str(o.acknowledged_by) || null,
    };
  });
  // Unacknowledged first, then worst, then oldest: what needs a hand on top.
  const needs = (a) => (a.state === "acknowledged" ? 1 : 0);
  out.sort((a, b) => needs(a) - needs(b) || (SEVERITY_RANK[b.peak] ?? 2) - (SEVERITY_RANK[a.peak] ?? 2) || (a.raisedS ?? 0) - (b.raisedS ?? 0));
  return out;
}

/** A point from any of the spellings on the wire: {latitude_deg}, {lat_deg}, {point: {...}}, [lat, lon]. */
export function latLon(p) {
  if (Array.isArray(p) && p.length >= 2 && isNum(p[0]) && isNum(p[1])) return [p[0], p[1]];
  const o = obj(p);
  if (o.point && typeof o.point === "object") return latLon(o.point);
  const lat = isNum(o.latitude_deg) ? o.latitude_deg : isNum(o.lat_deg) ? o.lat_deg : isNum(o.lat) ? o.lat : null;
  const lon = isNum(o.longitude_deg) ? o.longitude_deg : isNum(o.lon_deg) ? o.lon_deg : isNum(o.lon) ? o.lon : null;
  return lat !== null && lon !== null ? [lat, lon] : null;
}

function countdownView(c) {
  const o = obj(c);
  const hold = o.hold && typeof o.hold === "object" ? o.hold : null;
  const win = o.window && typeof o.window === "object" ? o.window : null;
  const next = o.next_event && typeof o.next_event === "object" ? o.next_event : null;
  return {
    state: str(o.state).toLowerCase() || "idle",
    display: typeof o.clock_text === "string" && /^T[-+]/.test(o.clock_text) ? o.clock_text
      : typeof o.display === "string" && /^T[-+]/.test(o.display) ? o.display : null,
    tCount: isNum(o.t_count_s) ? o.t_count_s : null,
    hold: hold ? { kind: str(hold.kind), reason: str(hold.reason), who: str(hold.who) || null, sinceS: isNum(hold.since_s) ? hold.since_s : null, untilS: isNum(hold.until_s) ? hold.until_s : null } : null,
    holdElapsed: isNum(o.hold_elapsed_s) ? o.hold_elapsed_s : null,
    window: win && isNum(win.open_s) && isNum(win.close_s) ? { openS: win.open_s, closeS: win.close_s } : null,
    windowMargin: isNum(o.window_margin_s) ? o.window_margin_s : null,
    next: next ? { name: str(next.name), tS: isNum(next.t_s) ? next.t_s : null } : null,
    handoff: isNum(o.handoff_t_s) ? o.handoff_t_s : null,
    liftedOff: o.lifted_off === true,
    recyclePoints: arr(o.recycle_points).map((p) => (typeof p === "string" ? p : str(obj(p).name))).filter(Boolean),
  };
}

function ftsView(f) {
  const o = obj(f);
  return {
    state: str(o.state).toLowerCase() || "",
    armedBy: str(o.armed_by) || null,
    remaining: isNum(o.remaining_s) ? o.remaining_s : null,
    deadline: isNum(o.expires_at_s) ? o.expires_at_s : isNum(o.confirm_deadline_s) ? o.confirm_deadline_s : null,
    sentBy: str(o.sent_by) || null,
  };
}

function rangeView(r) {
  const o = obj(r);
  return {
    watching: o.watching === true,
    iip: latLon(o.iip),
    inside: typeof o.inside_corridor === "boolean" ? o.inside_corridor : null,
    corridor: str(o.corridor) || null,
    margin: isNum(o.corridor_margin_m) ? o.corridor_margin_m : isNum(o.margin_m) ? o.margin_m : null,
    dataLost: o.data_lost === true,
    termination: str(o.termination_recommended) || null,
    destructCrossed: arr(o.destruct_lines_crossed).map(str),
  };
}

function readinessView(d) {
  if (!d || typeof d !== "object") return null;
  return {
    platform: str(d.platform),
    go: d.go === true,
    findings: arr(d.findings).map((f) => {
      const o = obj(f);
      return typeof f === "string" ? f : `${str(o.quantity)} ${isNum(o.value) ? compact(o.value) : "no data"} (limit ${str(o.limit)})`;
    }),
  };
}

function landingView(l) {
  const o = obj(l);
  return {
    target: str(obj(o.target).name) || null,
    primary: readinessView(o.primary),
    alternate: readinessView(o.alternate),
    diverted: o.diverted === true,
    divertPossible: o.divert_possible === true,
  };
}

function recoveryView(list) {
  return arr(list).map((r) => {
    const o = obj(r);
    const item = obj(o.item && typeof o.item === "object" ? o.item : o);
    return {
      name: str(item.name || o.item),
      confirmRole: str(item.confirm_role) || null,
      done: o.done === true,
      doneBy: str(o.done_by) || null,
      waitingFor: arr(o.waiting_for).map(str),
    };
  });
}

const LAUNCH_KEYS = ["launch", "launch/definitions", "launch/poll", "launch/alerts", "launch/recovery"];

/** Live items ({name, value, ...}) with their definitions under ``defKey``, matched by name. */
function withDefinitions(live, definitions, defKey) {
  const byName = new Map(arr(definitions).map((d) => [str(obj(d).name), d]));
  return arr(live).map((item) => {
    const o = obj(item);
    if (o[defKey] && typeof o[defKey] === "object") return o; // already whole
    return { ...o, [defKey]: byName.get(str(o.name)) || { name: o.name } };
  });
}

/**
 * The launch status in the shape of the whole LaunchStatus from the station's parts: the ``launch``
 * key's payload, and those of launch/definitions, launch/poll, launch/alerts, launch/recovery. A
 * ``launch`` payload that is whole already (poll, alerts, recovery and definitions in it) stays so.
 */
export function assembleLaunch(live, definitions, poll, alerts, recovery) {
  const p = obj(live);
  const d = obj(definitions);
  return {
    ...p,
    poll: "poll" in p ? p.poll : poll,
    criteria: withDefinitions(p.criteria, d.criteria, "criterion"),
    red_lines: withDefinitions(p.red_lines, d.red_lines, "red_line"),
    alerts: "alerts" in p ? p.alerts : alerts,
    recovery: "recovery" in p ? p.recovery : recovery,
  };
}

/** The launch payload (``Store.launchPayload``) in one steady shape. */
export function launchView(payload, config) {
  const p = obj(payload);
  return {
    countdown: countdownView(p.countdown),
    poll: pollView(p.poll, obj(config).stations),
    goForLaunch: gateView(p.go_for_launch),
    criteria: criteriaView(p.criteria),
    criteriaGate: gateView(p.criteria_gate),
    redLines: redLinesView(p.red_lines),
    alerts: alertsView(p.alerts),
    range: rangeView(p.range),
    fts: ftsView(p.fts),
    landing: landingView(p.landing),
    recovery: recoveryView(p.recovery),
    recoveryState: str(p.recovery_state),
    vehiclePhase: phaseName(p.vehicle_phase !== undefined ? p.vehicle_phase : obj(p.countdown).vehicle_phase),
  };
}

const ENGINE_STATES = ["off", "chilldown", "ignition", "running", "shutdown", "fault"];

function engineStateName(s) {
  if (isNum(s)) return ENGINE_STATES[s] || `state ${s}`;
  return str(s).toLowerCase();
}

/**
 * The engines of a vehicle state as one line of figures: {state, chamberPa, thrustN, throttlePct,
 * count}. Reads the station's {engines: [...], thrust_n} and a single engine's ENGINE_STATUS fields.
 */
export function engineOf(vehicle) {
  const e = obj(obj(vehicle).engine);
  const list = arr(e.engines).filter((x) => x && typeof x === "object");
  const engines = list.length ? list : Object.keys(e).length && !("engines" in e) ? [e] : [];
  if (!engines.length) return { state: null, chamberPa: null, thrustN: isNum(e.thrust_n) ? e.thrust_n : null, throttlePct: null, count: 0 };
  const states = [...new Set(engines.map((x) => engineStateName(x.state)).filter(Boolean))];
  const pcs = engines.map((x) => x.chamber_pressure_pa).filter(isNum);
  const thrusts = engines.map((x) => x.thrust_n).filter(isNum);
  const throttles = engines.map((x) => x.throttle_pct).filter(isNum);
  return {
    state: states.length === 1 ? states[0] : states.length ? states.join("/") : null,
    fault: states.includes("fault"),
    chamberPa: pcs.length ? Math.max(...pcs) : null,
    thrustN: isNum(e.thrust_n) && list.length ? e.thrust_n : thrusts.length ? thrusts.reduce((a, b) => a + b, 0) : null,
    throttlePct: throttles.length ? throttles.reduce((a, b) => a + b, 0) / throttles.length : null,
    count: engines.length,
  };
}

/** The mission's sites from hello.config.sites: a mapping by slot or a list with a slot/role each. */
export function sitesOf(config) {
  const sites = obj(config).sites;
  const out = [];
  const push = (slot, s) => {
    const ll = latLon(s);
    if (ll) out.push({ slot: str(slot).toLowerCase(), name: str(obj(s).name) || str(slot), lat: ll[0], lon: ll[1] });
  };
  if (Array.isArray(sites)) for (const s of sites) push(obj(s).slot || obj(s).role || obj(s).kind || "", s);
  else for (const [slot, s] of Object.entries(obj(sites))) if (s) push(slot, s);
  return out;
}

// --- cargo, bay, delivery, fleet ----------------------------------------------------------------

const num = (v) => (isNum(v) ? v : null);

/** The ``cargo/manifest`` payload in one steady shape. */
export function cargoView(payload) {
  const p = obj(payload);
  return {
    source: str(p.source),
    ok: p.ok === true,
    parcels: num(p.parcels),
    massKg: num(p.mass_kg),
    volumeM3: num(p.volume_m3),
    cgAxialM: num(p.cg_axial_m),
    cgLateralM: num(p.cg_lateral_m),
    classes: arr(p.by_class).map((c) => ({ name: str(obj(c).handling_class), parcels: num(obj(c).parcels) })).filter((c) => c.name),
    problems: arr(p.problems).map(str).filter(Boolean),
    vehicleMassKg: num(p.vehicle_mass_kg),
    massErrorKg: num(p.mass_error_kg),
    confirmed: p.confirmed === true,
  };
}

/** The ``delivery/progress`` payload: stage (lower case, or null before the first), platform, ETA. */
export function deliveryView(payload) {
  const p = obj(payload);
  return {
    flightId: str(p.flight_id),
    stage: str(p.stage).toLowerCase() || null,
    platform: str(p.platform),
    etaS: num(p.eta_unix_s),
    basis: str(p.eta_basis),
    parcels: num(p.parcels),
  };
}

/** The ``fleet/vehicle`` payload: the airframe, go / no-go and the reasons. */
export function fleetView(payload) {
  const p = obj(payload);
  return {
    id: str(p.vehicle_id),
    type: str(p.vehicle_type),
    condition: str(p.condition),
    go: p.go === true,
    reasons: arr(p.reasons).map(str).filter(Boolean),
  };
}

const LEVEL_RANK = { inactive: 0, green: 1, yellow: 2, red: 3 };

/**
 * The station's red-line verdict on one field: the worst level of the red lines that watch it and
 * their limits as text, or null when no red line watches the field. ``redLines`` is launchView's.
 */
export function redLineVerdict(redLines, field) {
  const lines = arr(redLines).filter((r) => r.field === field);
  if (!lines.length) return null;
  let level = "inactive";
  for (const r of lines) if ((LEVEL_RANK[r.level] ?? 0) > (LEVEL_RANK[level] ?? 0)) level = r.level;
  const limits = lines.map((r) => `${r.name}: ${r.yellow ? `yellow ${r.yellow}, ` : ""}red ${r.red || "—"} (${r.level === "green" ? "OK" : r.level.toUpperCase()})`);
  return { level, limits };
}

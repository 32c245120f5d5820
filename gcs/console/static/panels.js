// The panels of the console: each builds its DOM once and `render(ctx)` updates text and state
// classes in place. ctx = {store, launch (model.launchView), commands, now (station clock)}.
//
// Every value shown carries its freshness: a value past its stale limit is greyed and hatched with
// its age ("STALE 12 s"), a value never received says NO DATA; neither is ever drawn as live.
// Knows nothing of the WebSocket or of how commands are sent.

import { cargoView, compact, deliveryView, engineOf, fleetView, redLineVerdict } from "./model.js";
import {
  arr, fmtAge, fmtCount, fmtDuration, fmtInt, fmtUtc, h, isNum, obj, phaseLabel, phaseName, phaseTone,
  roleTitle, setAttr, setHidden, setStyle, setText, stateClass, str, toggleClass,
} from "./util.js";

// --- one value on screen -------------------------------------------------------------------------

export class Field {
  constructor(testid, label, unit = "", cls = "") {
    this.num = h("span", { class: "f-num", "data-testid": `${testid}-value` });
    this.unit = h("span", { class: "f-unit" }, unit);
    this.age = h("div", { class: "f-age", "data-testid": `${testid}-age` });
    this.el = h("div", { class: `field ${cls}`, "data-testid": testid },
      h("div", { class: "f-label" }, label), h("div", { class: "f-value" }, this.num, this.unit), this.age);
  }

  /** text: what to show when there is a value; fresh: {state, age}; tone: green/amber/red or "". */
  show(text, fresh, tone = "", unit = null) {
    const state = fresh ? fresh.state : "nodata";
    const has = text !== null && text !== undefined && text !== "" && text !== "—";
    const effective = state === "nodata" || !has ? "nodata" : state;
    setText(this.num, effective === "nodata" ? "—" : text);
    if (unit !== null) setText(this.unit, unit);
    stateClass(this.el, "is-", effective);
    stateClass(this.el, "tone-", effective === "live" ? tone : "");
    setAttr(this.el, "data-stale", effective === "live" ? "false" : "true");
    setAttr(this.el, "data-fresh", effective);
    setAttr(this.el, "data-age-s", fresh && isNum(fresh.age) ? fresh.age.toFixed(1) : null);
    // "STALE" is spelled out where there is room (CSS hides the word in narrow fields).
    const ageText = effective === "stale" ? fmtAge(fresh.age) : effective === "nodata" ? "NO DATA" : "";
    if (this.ageText !== ageText) {
      this.ageText = ageText;
      this.age.replaceChildren(...(effective === "stale" ? [h("span", { class: "f-age-word" }, "STALE "), ageText] : [ageText]));
    }
  }
}

/** green / amber / red for a value against an upper limit: amber from 80 % of it. */
export function toneUpper(value, limit) {
  if (!isNum(value) || !isNum(limit)) return "";
  const a = Math.abs(value);
  return a > limit ? "red" : a > 0.8 * limit ? "amber" : "green";
}

const chip = (el, text, tone) => {
  setText(el, text);
  stateClass(el, "tone-", tone);
};

// --- countdown (header) --------------------------------------------------------------------------

const COUNT_LABEL = {
  idle: ["IDLE", "neutral"], counting: ["COUNTING", "green"], holding: ["HOLD", "amber"], terminal: ["TERMINAL COUNT", "green"],
  liftoff: ["LIFTOFF", "blue"], aborted: ["ABORTED", "red"], scrubbed: ["SCRUBBED", "red"],
};

export class CountdownPanel {
  constructor(cmds, commands) {
    this.clock = document.getElementById("countdown-clock");
    this.state = document.getElementById("countdown-state");
    this.hold = document.getElementById("countdown-hold");
    this.window = document.getElementById("countdown-window");
    this.next = document.getElementById("countdown-next");
    this.box = document.querySelector("[data-testid=countdown]");
    cmds.append(
      commands.button("count/start", {}, { tone: "go" }),
      commands.button("count/hold", {}, { tone: "hold" }),
      commands.button("count/resume", {}, { tone: "go" }),
      commands.button("count/recycle", {}),
      commands.button("count/scrub", {}, { tone: "nogo" }),
    );
  }

  render({ launch, fresh }) {
    const c = launch.countdown;
    const live = fresh.state === "live";
    setText(this.clock, fresh.state === "nodata" ? "T-—:—:—" : c.display || fmtCount(c.tCount));
    setAttr(this.clock, "data-t-count-s", isNum(c.tCount) ? c.tCount.toFixed(1) : null);
    setAttr(this.box, "data-state", c.state);
    setAttr(this.box, "data-stale", live ? "false" : "true");
    toggleClass(this.box, "is-stale", fresh.state === "stale");
    let [label, tone] = COUNT_LABEL[c.state] || [c.state.toUpperCase(), "neutral"];
    if (c.state === "holding" && c.hold && c.hold.kind) label = `HOLD · ${c.hold.kind.replace(/_/g, " ").toUpperCase()}`;
    if (fresh.state === "stale") [label, tone] = [`STALE ${fmtAge(fresh.age)}`, "stale"];
    if (fresh.state === "nodata") [label, tone] = ["NO DATA", "stale"];
    chip(this.state, label, tone);
    if (c.hold) {
      const who = c.hold.who ? ` by ${c.hold.who}` : "";
      const until = isNum(c.hold.untilS) && isNum(c.hold.sinceS) && isNum(c.holdElapsed)
        ? `, resumes in ${fmtDuration(c.hold.untilS - c.hold.sinceS - c.holdElapsed)}` : "";
      setText(this.hold, `HOLD ${fmtDuration(c.holdElapsed)}${who}: ${c.hold.reason || "no reason given"}${until}`);
    } else {
      setText(this.hold, "");
    }
    if (c.window) {
      const margin = isNum(c.windowMargin) ? ` · margin ${c.windowMargin < 0 ? "−" : ""}${fmtDuration(c.windowMargin)}` : "";
      setText(this.window, `WINDOW ${fmtUtc(c.window.openS)}–${fmtUtc(c.window.closeS)} UTC${margin}`);
      toggleClass(this.window, "warn", isNum(c.windowMargin) && c.windowMargin < 600);
    } else {
      setText(this.window, "WINDOW none set");
      toggleClass(this.window, "warn", false);
    }
    if (c.next && c.next.name && !c.liftedOff) {
      const inS = isNum(c.next.tS) && isNum(c.tCount) ? ` (in ${fmtDuration(c.next.tS - c.tCount)})` : "";
      setText(this.next, `NEXT ${c.next.name} at ${fmtCount(c.next.tS)}${inS}`);
    } else {
      setText(this.next, "");
    }
  }
}

// --- status chips (header) -----------------------------------------------------------------------

export class StatusChips {
  constructor() {
    this.phase = document.getElementById("phase-chip");
    this.gfl = document.getElementById("gfl-chip");
    this.crit = document.getElementById("criteria-chip");
    this.fts = document.getElementById("fts-chip");
    this.alerts = document.getElementById("alerts-chip");
  }

  render({ launch, fresh, phase, phaseFresh }) {
    const stale = fresh.state !== "live";
    const p = phase || launch.vehiclePhase;
    if (phaseFresh.state !== "live" && !launch.vehiclePhase) chip(this.phase, phaseFresh.state === "nodata" ? "NO DATA" : `${phaseLabel(p) || "—"} (STALE)`, "stale");
    else chip(this.phase, phaseLabel(p) || "—", phaseFresh.state === "live" ? phaseTone(p) : "stale");
    setAttr(this.phase, "data-phase", phaseName(p));
    if (stale) {
      for (const el of [this.gfl, this.crit, this.fts, this.alerts]) chip(el, fresh.state === "nodata" ? "NO DATA" : "STALE", "stale");
      return;
    }
    chip(this.gfl, launch.goForLaunch.go ? "GO" : "NO GO", launch.goForLaunch.go ? "green" : "red");
    chip(this.crit, launch.criteriaGate.go ? "GO" : "NO GO", launch.criteriaGate.go ? "green" : "red");
    const f = launch.fts.state;
    chip(this.fts, f ? f.toUpperCase() : "—", f === "safe" ? "green" : f === "armed" ? "amber" : f ? "red" : "neutral");
    const open = launch.alerts.filter((a) => a.state !== "acknowledged").length;
    chip(this.alerts, open ? `${open} UNACK` : launch.alerts.length ? `${launch.alerts.length} ACK'D` : "NONE", open ? "red" : "green");
  }
}

// --- go / no-go poll -----------------------------------------------------------------------------

export class PollPanel {
  constructor(commands) {
    this.commands = commands;
    this.state = document.getElementById("poll-state");
    this.rowsEl = document.getElementById("poll-rows");
    this.reasons = document.getElementById("gfl-reasons");
    this.blockers = document.getElementById("poll-blockers");
    this.blockersKey = null;
    this.rows = new Map();
    this.user = null;
    document.getElementById("poll-foot").append(
      commands.button("poll/open", {}, {}),
      commands.button("go-for-launch", {}, { tone: "go" }),
    );
  }

  row(station) {
    let r = this.rows.get(station.name);
    if (r) return r;
    const sid = station.name.replace(/[^A-Za-z0-9_-]/g, "_");
    const answer = h("td", { class: "poll-answer", "data-testid": `poll-answer-${sid}` }, "—");
    const who = h("td", { class: "poll-who", "data-testid": `poll-who-${sid}` });
    const go = this.commands.button("poll/answer", { station: station.name, go: true }, { label: "GO", testid: `poll-go-${sid}`, roles: [station.role], tone: "go", detail: `Answer GO for ${station.title}.` });
    const nogo = this.commands.button("poll/answer", { station: station.name, go: false }, { label: "NO GO", testid: `poll-nogo-${sid}`, roles: [station.role], tone: "nogo", detail: `Answer NO GO for ${station.title}. A running count holds on a no-go.`,
      fields: [{ name: "reason", label: "Reason (goes to the journal)", placeholder: "why this station is no go", optional: true }] });
    const buttons = h("td", { class: "poll-buttons" }, go, nogo);
    const tr = h("tr", { "data-testid": `poll-row-${sid}`, "data-station": station.name },
      h("td", { class: "poll-station", title: `station ${station.name}, role ${roleTitle(station.role)}` }, h("span", { class: "poll-title" }, station.title)),
      answer, who, buttons);
    r = { tr, answer, who, go, nogo, buttons, role: station.role };
    this.rows.set(station.name, r);
    this.rowsEl.append(tr);
    return r;
  }

  render({ launch, fresh, user }) {
    const poll = launch.poll;
    const stale = fresh.state !== "live";
    const stateText = stale ? (fresh.state === "nodata" ? "NO DATA" : `STALE ${fmtAge(fresh.age)}`)
      : poll.state === "go_for_launch" ? `GO FOR LAUNCH · ${poll.goBy || ""}` : poll.open ? `ROUND ${poll.round} OPEN` : poll.round ? `ROUND ${poll.round} CLOSED` : "CLOSED";
    chip(this.state, stateText, stale ? "stale" : poll.state === "go_for_launch" ? "green" : poll.open ? "amber" : "neutral");
    setAttr(this.state, "data-poll-state", poll.state);
    const held = new Set(user && Array.isArray(user.roles) ? user.roles : []);
    for (const s of poll.rows) {
      if (!s.name) continue;
      const r = this.row(s);
      const a = s.answer;
      setText(r.answer, a === "go" ? "GO" : a === "no_go" ? "NO GO" : poll.open ? "…" : "—");
      stateClass(r.answer, "tone-", stale ? "stale" : a === "go" ? "green" : a === "no_go" ? "red" : "");
      setAttr(r.answer, "data-answer", a || "none");
      setText(r.who, a ? `${s.who || ""}${s.reason ? `: ${s.reason}` : ""}` : "");
      setHidden(r.buttons, !held.has(s.role));
      if (r.role !== s.role) {
        r.role = s.role;
        this.commands.rebind(r.go, { roles: [s.role] });
        this.commands.rebind(r.nogo, { roles: [s.role] });
      }
      toggleClass(r.tr, "is-stale", stale);
    }
    const reasons = launch.goForLaunch.go ? [] : launch.goForLaunch.reasons;
    setText(this.reasons, stale ? "" : reasons.join("; "));
    this.renderBlockers(poll.blockers, stale);
  }

  /** Blockers on top of the poll, in red: no answer lifts them (the fleet's verdict on the airframe). */
  renderBlockers(blockers, stale) {
    const key = JSON.stringify(blockers);
    if (key !== this.blockersKey) {
      this.blockersKey = key;
      this.blockers.replaceChildren(...blockers.map((b) => h("div", { class: "blocker", "data-testid": "poll-blocker", "data-source": b.source, title: `${b.source}: ${b.reason}` },
        h("span", { class: "chip small blocker-chip" }, "BLOCKED"),
        h("span", { class: "blocker-text" }, b.source ? h("b", {}, `${b.source}: `) : null, b.reason))));
    }
    setHidden(this.blockers, blockers.length === 0);
    setAttr(this.blockers, "data-count", String(blockers.length));
    toggleClass(this.blockers, "is-stale", stale);
  }
}

// --- commit criteria and red lines ---------------------------------------------------------------

const CRIT_TONE = { go: "green", no_go: "red", pending: "amber", no_data: "stale", inactive: "neutral" };

function valueText(field, v) {
  if (!isNum(v)) return "—";
  if (/\.(on_station|ready|smoke_detected|vented|running)$/.test(field)) return v ? "yes" : "no";
  return compact(v);
}

export class CriteriaPanel {
  constructor() {
    this.gate = document.getElementById("criteria-gate");
    this.body = document.getElementById("criteria-rows");
    this.rows = [];
  }

  render({ store, launch, fresh, now }) {
    const list = launch.criteria;
    const slack = store.slackS();
    const stale = fresh.state !== "live";
    chip(this.gate, stale ? "STALE" : launch.criteriaGate.go ? "GO" : "NO GO", stale ? "stale" : launch.criteriaGate.go ? "green" : "red");
    setAttr(this.gate, "title", launch.criteriaGate.reasons.join("\n") || null);
    while (this.rows.length < list.length) {
      const r = {
        name: h("td", { class: "r-name" }), value: h("td", { class: "num r-value" }), limit: h("td", { class: "num r-limit" }),
        state: h("td", {}, h("span", { class: "chip small" })),
      };
      r.tr = h("tr", { "data-testid": "criterion-row" }, r.name, r.value, r.limit, r.state);
      this.rows.push(r);
      this.body.append(r.tr);
    }
    this.rows.forEach((r, i) => {
      const c = list[i];
      setHidden(r.tr, !c);
      if (!c) return;
      setText(r.name, c.name);
      setAttr(r.tr, "data-name", c.name);
      setAttr(r.tr, "title", `${c.field}${c.reason ? `\n${c.reason}` : ""}`);
      setText(r.limit, c.limit);
      // A criterion's own value is stale when older than its max age on the station's clock.
      const age = isNum(c.valueT) && isNum(now) ? Math.max(0, now - c.valueT) : null;
      const valueStale = stale || (isNum(c.maxAge) && isNum(age) && age > c.maxAge + slack && c.state !== "inactive");
      setText(r.value, c.value === null ? "—" : valueStale && isNum(age) ? `${valueText(c.field, c.value)} · ${fmtAge(age)}` : valueText(c.field, c.value));
      toggleClass(r.value, "is-stale", valueStale && c.value !== null);
      setAttr(r.tr, "data-stale", valueStale ? "true" : "false");
      const st = r.state.firstChild;
      chip(st, stale ? "STALE" : c.state.replace(/_/g, " ").toUpperCase(), stale ? "stale" : CRIT_TONE[c.state] || "neutral");
      setAttr(r.tr, "data-state", c.state);
    });
  }
}

const LEVEL_TONE = { green: "green", yellow: "amber", red: "red", inactive: "neutral" };

export class RedLinesPanel {
  constructor() {
    this.body = document.getElementById("redline-rows");
    this.rows = [];
  }

  render({ launch, fresh, now }) {
    const list = launch.redLines;
    const stale = fresh.state !== "live";
    while (this.rows.length < list.length) {
      const r = { name: h("td", { class: "r-name" }), value: h("td", { class: "num r-value" }), yellow: h("td", { class: "num r-limit" }), red: h("td", { class: "num r-limit" }), level: h("td", {}, h("span", { class: "chip small" })) };
      r.tr = h("tr", { "data-testid": "redline-row" }, r.name, r.value, r.yellow, r.red, r.level);
      this.rows.push(r);
      this.body.append(r.tr);
    }
    this.rows.forEach((r, i) => {
      const c = list[i];
      setHidden(r.tr, !c);
      if (!c) return;
      setText(r.name, c.name);
      setAttr(r.tr, "title", c.field);
      setAttr(r.tr, "data-name", c.name);
      const age = isNum(c.valueT) && isNum(now) ? Math.max(0, now - c.valueT) : null;
      setText(r.value, valueText(c.field, c.value));
      toggleClass(r.value, "is-stale", stale && c.value !== null);
      setText(r.yellow, c.yellow || "—");
      setText(r.red, c.red || "—");
      const label = stale ? "STALE" : c.level === "green" ? "OK" : c.level.toUpperCase();
      chip(r.level.firstChild, label, stale ? "stale" : LEVEL_TONE[c.level] || "neutral");
      setAttr(r.tr, "data-level", c.level);
      setAttr(r.tr, "data-age-s", isNum(age) ? age.toFixed(1) : null);
    });
  }
}

// --- vehicle telemetry ---------------------------------------------------------------------------

function altitudeText(m) {
  if (!isNum(m)) return [null, "m"];
  return Math.abs(m) >= 10000 ? [(m / 1000).toFixed(2), "km"] : [m.toFixed(0), "m"];
}

export function latLonText(lat, lon) {
  if (!isNum(lat) || !isNum(lon)) return null;
  return `${Math.abs(lat).toFixed(3)}°${lat >= 0 ? "N" : "S"} ${Math.abs(lon).toFixed(3)}°${lon >= 0 ? "E" : "W"}`;
}

export class VehiclePanel {
  constructor() {
    const mk = (parent, list) => {
      const box = document.getElementById(parent);
      const out = {};
      for (const [id, label, unit, cls] of list) {
        out[id] = new Field(id, label, unit, cls || "");
        box.append(out[id].el);
      }
      return out;
    };
    this.armed = document.getElementById("vehicle-armed");
    this.engineHead = document.getElementById("engine-head");
    this.vents = document.getElementById("tank-vents");
    this.f = mk("vehicle-fields", [
      ["veh-phase", "PHASE", ""],
      ["veh-q", "DYNAMIC PRESSURE", "kPa"],
      ["veh-altitude", "ALTITUDE", "km", "big"],
      ["veh-speed", "SPEED", "m/s", "big"],
      ["veh-vspeed", "VERTICAL SPEED", "m/s"],
      ["veh-mach", "MACH", ""],
    ]);
    Object.assign(this.f, mk("attitude-fields", [
      ["veh-roll", "ROLL", "°"],
      ["veh-pitch", "PITCH", "°"],
      ["veh-yaw", "YAW", "°"],
    ]));
    Object.assign(this.f, mk("engine-fields", [
      ["eng-state", "STATE", ""],
      ["eng-throttle", "THROTTLE", "%"],
      ["eng-pc", "CHAMBER PRESSURE", "MPa"],
      ["eng-thrust", "THRUST", "kN"],
    ]));
    Object.assign(this.f, mk("tank-fields", [
      ["tank-lox-mass", "LOX MASS", "t"],
      ["tank-ch4-mass", "CH4 MASS", "t"],
      ["tank-lox-p", "LOX PRESSURE", "kPa"],
      ["tank-ch4-p", "CH4 PRESSURE", "kPa"],
    ]));
  }

  render({ state, beat }) {
    const v = state.v;
    const f = this.f;
    const phase = v.phase !== undefined ? v.phase : beat.v.phase;
    f["veh-phase"].show(phaseLabel(phase) || null, state.state === "nodata" ? beat : state, phaseTone(phase));
    const [alt, altUnit] = altitudeText(v.altitude_m);
    f["veh-altitude"].show(alt, state, "", altUnit);
    f["veh-speed"].show(isNum(v.speed_mps) ? v.speed_mps.toFixed(0) : null, state);
    f["veh-vspeed"].show(isNum(v.vertical_speed_up_mps) ? `${v.vertical_speed_up_mps >= 0 ? "+" : ""}${v.vertical_speed_up_mps.toFixed(1)}` : null, state);
    f["veh-mach"].show(isNum(v.mach) ? v.mach.toFixed(2) : null, state);
    f["veh-q"].show(isNum(v.dynamic_pressure_pa) ? (v.dynamic_pressure_pa / 1000).toFixed(1) : null, state, toneUpper(v.dynamic_pressure_pa, 35000));
    f["veh-roll"].show(isNum(v.roll_deg) ? v.roll_deg.toFixed(1) : null, state);
    f["veh-pitch"].show(isNum(v.pitch_deg) ? v.pitch_deg.toFixed(1) : null, state);
    f["veh-yaw"].show(isNum(v.yaw_deg) ? v.yaw_deg.toFixed(1) : null, state);
    const e = engineOf(v);
    const es = e.state ? e.state.toUpperCase() : null;
    setText(this.engineHead, e.count > 1 ? `ENGINES ×${e.count}` : "ENGINE");
    f["eng-state"].show(es, state, e.fault ? "red" : es === "RUNNING" ? "green" : "");
    f["eng-throttle"].show(isNum(e.throttlePct) ? e.throttlePct.toFixed(0) : null, state);
    f["eng-pc"].show(isNum(e.chamberPa) ? (e.chamberPa / 1e6).toFixed(2) : null, state);
    f["eng-thrust"].show(isNum(e.thrustN) ? fmtInt(e.thrustN / 1000) : null, state);
    const t = obj(v.tanks);
    f["tank-lox-mass"].show(isNum(t.lox_mass_kg) ? (t.lox_mass_kg / 1000).toFixed(2) : null, state);
    f["tank-ch4-mass"].show(isNum(t.ch4_mass_kg) ? (t.ch4_mass_kg / 1000).toFixed(2) : null, state);
    f["tank-lox-p"].show(isNum(t.lox_pressure_pa) ? (t.lox_pressure_pa / 1000).toFixed(0) : null, state);
    f["tank-ch4-p"].show(isNum(t.ch4_pressure_pa) ? (t.ch4_pressure_pa / 1000).toFixed(0) : null, state);
    const vents = arr(t.vents_open).map((x) => str(x).replace(/_/g, " "));
    setText(this.vents, state.state === "live" && vents.length ? `OPEN: ${vents.join(", ")}` : "");
    const armed = beat.v.armed;
    if (beat.state !== "live") chip(this.armed, beat.state === "nodata" ? "NO HEARTBEAT" : `HEARTBEAT STALE ${fmtAge(beat.age)}`, "stale");
    else chip(this.armed, armed === true ? "ARMED" : armed === false ? "DISARMED" : "—", armed === true ? "amber" : "green");
    setAttr(this.armed, "data-armed", armed === true ? "true" : armed === false ? "false" : null);
  }
}

// --- landing platform ----------------------------------------------------------------------------

class LimitRow {
  constructor(testid, label, unit) {
    this.now = new Field(`${testid}-now`, `${label}`, unit);
    this.max = new Field(`${testid}-max`, "10-MIN MAX", unit);
    this.bar = h("div", { class: "bar" }, h("div", { class: "bar-fill" }), h("div", { class: "bar-limit" }));
    this.limit = h("div", { class: "lim-text", "data-testid": `${testid}-limit` });
    this.el = h("div", { class: "limit-row", "data-testid": testid }, this.now.el, this.max.el, h("div", { class: "lim" }, this.limit, this.bar));
  }

  show(now, max, limit, fresh, digits, unit) {
    this.now.show(isNum(now) ? now.toFixed(digits) : null, fresh);
    const tone = toneUpper(max, limit);
    this.max.show(isNum(max) ? max.toFixed(digits) : null, fresh, tone);
    setText(this.limit, isNum(limit) ? `limit ${limit.toFixed(digits)} ${unit}` : "no limit");
    const fill = this.bar.firstChild;
    const frac = isNum(max) && isNum(limit) && limit > 0 ? Math.min(1.25, Math.abs(max) / limit) : 0;
    setStyle(fill, "width", `${((frac / 1.25) * 100).toFixed(1)}%`);
    setStyle(this.bar.lastChild, "left", `${100 / 1.25}%`);
    stateClass(this.bar, "tone-", fresh.state === "live" ? tone : "stale");
  }
}

export class LandingPanel {
  constructor(commands) {
    this.commands = commands;
    this.name = document.getElementById("landing-name");
    this.go = document.getElementById("landing-go");
    const box = document.getElementById("landing-fields");
    this.pitch = new LimitRow("deck-pitch", "PITCH", "°");
    this.roll = new LimitRow("deck-roll", "ROLL", "°");
    this.heave = new LimitRow("deck-heave", "HEAVE", "m");
    this.wind = new Field("deck-wind", "WIND OVER DECK", "m/s");
    this.windLim = h("div", { class: "lim-text", "data-testid": "deck-wind-limit" });
    this.sk = new Field("deck-station-error", "STATION KEEPING", "m");
    this.skLim = h("div", { class: "lim-text", "data-testid": "deck-station-limit" });
    this.on = new Field("deck-on-station", "ON STATION", "");
    box.append(this.pitch.el, this.roll.el, this.heave.el,
      h("div", { class: "fields three" }, h("div", {}, this.wind.el, this.windLim), h("div", {}, this.sk.el, this.skLim), this.on.el));
    this.extra = document.getElementById("landing-extra");
    this.alt = h("div", { class: "alt-line", "data-testid": "landing-alternate" });
    this.findings = h("div", { class: "reasons", "data-testid": "landing-findings" });
    this.recovery = h("div", { class: "recovery", "data-testid": "recovery" });
    this.extra.append(this.findings, this.alt, this.recovery);
    this.recRows = new Map();
  }

  /** The platform the vehicle is going to: the launch status's target, else the landing site. */
  target(store, launch) {
    if (launch.landing.target) return launch.landing.target;
    const site = (store.config && Array.isArray(store.config.sites) ? store.config.sites : Object.values(obj(store.config.sites)))
      .find((s) => s && (s.slot === "landing" || s.role === "landing"));
    if (site && site.name) return site.name;
    const land = obj(obj(store.config.sites).landing).name;
    return land || store.platformNames()[0] || null;
  }

  render({ store, launch, fresh }) {
    const name = this.target(store, launch);
    setText(this.name, name ? `${name}${launch.landing.diverted ? " (DIVERTED)" : ""}` : "—");
    const deck = name ? store.read(`platform/${name}/state`) : { v: {}, state: "nodata", age: null };
    const lim = obj(store.config.deck_limits);
    const v = deck.v;
    this.pitch.show(v.pitch_deg, v.pitch_max_10min_deg, lim.pitch_max_10min_deg, deck, 1, "°");
    this.roll.show(v.roll_deg, v.roll_max_10min_deg, lim.roll_max_10min_deg, deck, 1, "°");
    this.heave.show(v.heave_m, v.heave_max_10min_m, lim.heave_max_10min_m, deck, 2, "m");
    const windDir = isNum(v.wind_over_deck_direction_deg) ? ` @${v.wind_over_deck_direction_deg.toFixed(0)}°` : "";
    this.wind.show(isNum(v.wind_over_deck_speed_mps) ? `${v.wind_over_deck_speed_mps.toFixed(1)}` : null, deck, toneUpper(v.wind_over_deck_speed_mps, lim.wind_over_deck_speed_mps));
    setText(this.windLim, `limit ${isNum(lim.wind_over_deck_speed_mps) ? lim.wind_over_deck_speed_mps : "—"} m/s${windDir ? ` · from ${windDir.slice(1)}` : ""}`);
    this.sk.show(isNum(v.station_keeping_error_m) ? v.station_keeping_error_m.toFixed(1) : null, deck, toneUpper(v.station_keeping_error_m, lim.station_keeping_error_m));
    setText(this.skLim, `limit ${isNum(lim.station_keeping_error_m) ? lim.station_keeping_error_m : "—"} m`);
    const on = typeof v.on_station === "boolean" ? v.on_station : null;
    this.on.show(on === null ? null : on ? "YES" : "NO", deck, on === null ? "" : on ? "green" : "red");
    const p = launch.landing.primary;
    if (fresh.state !== "live" || !p) chip(this.go, fresh.state === "live" ? "—" : "STALE", "stale");
    else chip(this.go, p.go ? "DECK GO" : "DECK NO GO", p.go ? "green" : "red");
    const findings = p && !p.go && fresh.state === "live" ? p.findings.join("; ") : "";
    setText(this.findings, findings);
    setAttr(this.findings, "title", findings || null);
    const a = launch.landing.alternate;
    setText(this.alt, a ? `ALTERNATE ${a.platform}: ${a.go ? "GO" : "NO GO"}${a.go ? "" : ` — ${a.findings.join("; ")}`}` : "");
    stateClass(this.alt, "tone-", a && fresh.state === "live" ? (a.go ? "green" : "red") : "");
    this.renderRecovery(launch, fresh);
  }

  renderRecovery(launch, fresh) {
    const show = launch.recoveryState && launch.recoveryState !== "not_started";
    setHidden(this.recovery, !show);
    if (!show) return;
    if (!this.recovery.firstChild) this.recovery.append(h("div", { class: "recovery-head" }, "RECOVERY"));
    for (const item of launch.recovery) {
      let r = this.recRows.get(item.name);
      if (!r) {
        const state = h("span", { class: "chip small" });
        const btn = item.confirmRole
          ? this.commands.button("recovery/confirm", { item: item.name }, { label: "CONFIRM", roles: [item.confirmRole], testid: `recovery-confirm-${item.name.replace(/[^A-Za-z0-9]+/g, "-")}`, detail: `Confirm: ${item.name}.` })
          : null;
        r = { el: h("div", { class: "recovery-row", "data-testid": "recovery-row" }, state, h("span", { class: "rec-name" }, item.name), btn), state, btn };
        this.recRows.set(item.name, r);
        this.recovery.append(r.el);
      }
      chip(r.state, item.done ? "DONE" : item.waitingFor.length ? "WAITING" : "OPEN", fresh.state !== "live" ? "stale" : item.done ? "green" : "amber");
      setAttr(r.el, "title", item.done ? `done${item.doneBy ? ` by ${item.doneBy}` : ""}` : item.waitingFor.length ? `waiting for ${item.waitingFor.join(", ")}` : null);
      if (r.btn) setHidden(r.btn, item.done);
    }
  }
}

// --- cargo bay environment ---------------------------------------------------------------------------

const BAY_FIELDS = [
  // [testid, label, unit, payload key (the catalogue's cargo_bay.<key>), text]
  ["bay-temperature", "TEMPERATURE", "°C", "temperature_degc", (v) => v.toFixed(1)],
  ["bay-humidity", "HUMIDITY", "%", "humidity_pct", (v) => v.toFixed(0)],
  ["bay-pressure", "PRESSURE", "kPa", "pressure_pa", (v) => (v / 1000).toFixed(1)],
  ["bay-shock", "PEAK SHOCK", "g", "peak_shock_g", (v) => v.toFixed(2)],
  ["bay-vibration", "VIBRATION RMS", "g", "vibration_rms_g", (v) => v.toFixed(3)],
];

const FIELD_TONE = { green: "green", yellow: "amber", red: "red" };

export class BayPanel {
  constructor() {
    this.smoke = document.getElementById("bay-smoke");
    const box = document.getElementById("bay-fields");
    this.f = BAY_FIELDS.map(([testid, label, unit, key, text]) => ({ field: new Field(testid, label, unit), key, text }));
    this.smokeField = new Field("bay-smoke-detected", "SMOKE", "");
    box.append(...this.f.map((x) => x.field.el), this.smokeField.el);
  }

  render({ store, launch, fresh }) {
    const bay = store.read(`vehicle/${store.sysid}/bay`);
    const v = bay.v;
    // Colours are the station's red-line verdict on each field (none: no red line watches it).
    const judged = fresh.state === "live";
    for (const { field, key, text } of this.f) {
      const verdict = judged ? redLineVerdict(launch.redLines, `cargo_bay.${key}`) : null;
      field.show(isNum(v[key]) ? text(v[key]) : null, bay, verdict ? FIELD_TONE[verdict.level] || "" : "");
      setAttr(field.el, "data-red-line", verdict ? verdict.level : null);
      setAttr(field.el, "title", verdict ? verdict.limits.join("\n") : `cargo_bay.${key}: no red line watches it`);
    }
    const smoke = typeof v.smoke_detected === "boolean" ? v.smoke_detected : null;
    // Smoke is red whatever the phase: the red line only says when the station raises its alert.
    this.smokeField.show(smoke === null ? null : smoke ? "YES" : "NO", bay, smoke === null ? "" : smoke ? "red" : "green");
    if (bay.state !== "live") chip(this.smoke, bay.state === "nodata" ? "NO DATA" : `STALE ${fmtAge(bay.age)}`, "stale");
    else chip(this.smoke, smoke ? "SMOKE" : "NO SMOKE", smoke ? "red" : "green");
    setAttr(this.smoke, "data-smoke", bay.state === "live" && smoke !== null ? String(smoke) : null);
    toggleClass(this.smoke, "alarm", bay.state === "live" && smoke === true);
  }
}

// --- cargo manifest ------------------------------------------------------------------------------

/** A mass for the manifest: 9 365.4 kg, 20.7 kg. */
function kgText(kg) {
  if (!isNum(kg)) return null;
  const [whole, tenths] = kg.toFixed(1).split(".");
  return Math.abs(kg) >= 1000 ? `${fmtInt(Number(whole))}.${tenths}` : kg.toFixed(1);
}

export class ManifestPanel {
  constructor() {
    this.source = document.getElementById("manifest-source");
    this.ok = document.getElementById("manifest-ok");
    this.confirmed = document.getElementById("manifest-confirmed");
    this.classes = document.getElementById("manifest-classes");
    this.problems = document.getElementById("manifest-problems");
    this.problemsKey = null;
    this.body = document.getElementById("manifest-body");
    this.none = document.getElementById("manifest-none");
    const box = document.getElementById("manifest-fields");
    this.f = {};
    for (const [id, label, unit] of [
      ["manifest-parcels", "PARCELS", ""], ["manifest-mass", "MASS", "kg"], ["manifest-vehicle-mass", "ON VEHICLE", "kg"],
      ["manifest-volume", "VOLUME", "m³"], ["manifest-cg-axial", "CG AXIAL", "m"], ["manifest-cg-lateral", "CG LATERAL", "m"],
    ]) {
      this.f[id] = new Field(id, label, unit);
      box.append(this.f[id].el);
    }
  }

  render({ store }) {
    const item = store.read("cargo/manifest");
    const c = cargoView(item.v);
    const has = item.state !== "nodata";
    const live = item.state === "live";
    setText(this.source, has ? c.source.split("/").pop() : "");
    setAttr(this.source, "title", has ? c.source : null);
    if (!has) chip(this.ok, "NO MANIFEST", "neutral");
    else if (!live) chip(this.ok, `STALE ${fmtAge(item.age)}`, "stale");
    else chip(this.ok, c.ok ? "WITHIN LIMITS" : "OUTSIDE LIMITS", c.ok ? "green" : "red");
    setAttr(this.ok, "data-ok", has && live ? String(c.ok) : null);
    // No manifest: one line says so, rather than six fields without data.
    setHidden(this.none, has);
    setHidden(this.body, !has);
    const f = this.f;
    f["manifest-parcels"].show(isNum(c.parcels) ? fmtInt(c.parcels) : null, item);
    f["manifest-mass"].show(kgText(c.massKg), item);
    // The vehicle's CARGO_MASS_KG against the manifest: green once it matches, amber while it differs.
    f["manifest-vehicle-mass"].show(kgText(c.vehicleMassKg), item, c.vehicleMassKg === null ? "" : c.confirmed ? "green" : "amber");
    f["manifest-volume"].show(isNum(c.volumeM3) ? c.volumeM3.toFixed(2) : null, item);
    f["manifest-cg-axial"].show(isNum(c.cgAxialM) ? c.cgAxialM.toFixed(3) : null, item);
    f["manifest-cg-lateral"].show(isNum(c.cgLateralM) ? c.cgLateralM.toFixed(3) : null, item);
    let confirmText = "—";
    let confirmTone = "neutral";
    if (has && !live) [confirmText, confirmTone] = ["STALE", "stale"];
    else if (has && c.confirmed) [confirmText, confirmTone] = ["CONFIRMED", "green"];
    else if (has && c.vehicleMassKg !== null) [confirmText, confirmTone] = [`DIFFERS ${kgText(c.massErrorKg) || "?"} kg`, "amber"];
    else if (has) [confirmText, confirmTone] = ["WAITING", "amber"];
    chip(this.confirmed, confirmText, confirmTone);
    setAttr(this.confirmed, "title", has ? `the vehicle's CARGO_MASS_KG against the manifest: ${c.confirmed ? "confirmed" : c.vehicleMassKg === null ? "no answer yet" : "differs"}` : null);
    setAttr(this.confirmed, "data-confirmed", has && live ? String(c.confirmed) : null);
    setText(this.classes, c.classes.map((x) => `${x.name.replace(/_/g, " ")} ${isNum(x.parcels) ? x.parcels : "?"}`).join(" · "));
    const key = JSON.stringify(c.problems);
    if (key !== this.problemsKey) {
      this.problemsKey = key;
      this.problems.replaceChildren(...c.problems.map((line) => h("div", { class: "problem", "data-testid": "manifest-problem", title: line }, line)));
      setAttr(this.problems, "title", c.problems.join("\n") || null);
    }
    toggleClass(this.problems, "is-stale", has && !live);
  }
}

// --- airframe (fleet) and delivery ---------------------------------------------------------------

const STAGE_TONE = { loaded: "neutral", launched: "blue", diverted: "amber", landed: "green", secured: "green", unloaded: "green", aborted: "red" };

export class FleetPanel {
  constructor() {
    this.airframe = document.getElementById("fleet-airframe");
    this.go = document.getElementById("fleet-go");
    this.reasons = document.getElementById("fleet-reasons");
    this.stage = document.getElementById("delivery-stage");
    this.where = document.getElementById("delivery-platform");
    this.eta = document.getElementById("delivery-eta");
  }

  render({ store, now }) {
    const item = store.read("fleet/vehicle");
    const fl = fleetView(item.v);
    const has = item.state !== "nodata";
    const live = item.state === "live";
    setText(this.airframe, has ? [fl.id, fl.type, fl.condition.replace(/_/g, " ")].filter(Boolean).join(" · ") : "no fleet status");
    setAttr(this.airframe, "title", has ? `airframe ${fl.id}, type ${fl.type}: ${fl.condition.replace(/_/g, " ")}` : null);
    if (!has) chip(this.go, "NO DATA", "stale");
    else if (!live) chip(this.go, `STALE ${fmtAge(item.age)}`, "stale");
    else chip(this.go, fl.go ? "GO" : "NO GO", fl.go ? "green" : "red");
    setAttr(this.go, "data-go", has && live ? String(fl.go) : null);
    setText(this.reasons, has && !fl.go ? fl.reasons.join("; ") : "");
    setAttr(this.reasons, "title", fl.reasons.join("\n") || null);
    toggleClass(this.reasons, "is-stale", has && !live);
    this.renderDelivery(store.read("delivery/progress"), now);
  }

  renderDelivery(item, now) {
    const d = deliveryView(item.v);
    const has = item.state !== "nodata";
    const live = item.state === "live";
    if (!has) chip(this.stage, "NO DELIVERY", "neutral");
    else if (!live) chip(this.stage, `STALE ${fmtAge(item.age)}`, "stale");
    else chip(this.stage, d.stage ? d.stage.toUpperCase() : "NOT LOADED", d.stage ? STAGE_TONE[d.stage] || "neutral" : "neutral");
    setAttr(this.stage, "data-stage", has && live ? d.stage || "none" : null);
    setText(this.where, has ? `to ${d.platform || "?"}` : "");
    setAttr(this.where, "title", has ? `flight ${d.flightId}: ${isNum(d.parcels) ? d.parcels : "?"} parcels to ${d.platform || "?"}` : null);
    let eta = has ? "ETA —" : "no manifest, no delivery tracked";
    if (has && isNum(d.etaS)) {
      const basis = d.basis ? ` (${d.basis})` : "";
      if (d.basis === "touchdown") eta = `ARRIVED ${fmtUtc(d.etaS)} UTC`;
      else if (!isNum(now)) eta = `ETA ${fmtUtc(d.etaS)} UTC${basis}`;
      else if (d.etaS >= now) eta = `ETA ${fmtUtc(d.etaS)} UTC · in ${fmtDuration(d.etaS - now)}${basis}`;
      else eta = `ETA ${fmtUtc(d.etaS)} UTC · ${fmtDuration(now - d.etaS)} overdue${basis}`;
    }
    setText(this.eta, eta);
    setAttr(this.eta, "data-eta-s", has && isNum(d.etaS) ? d.etaS.toFixed(0) : null);
    toggleClass(this.eta, "is-stale", has && !live);
  }
}

// --- link health ---------------------------------------------------------------------------------

export class LinksPanel {
  constructor() {
    this.box = document.getElementById("link-rows");
    this.vehicle = {
      up: h("span", { class: "chip small", "data-testid": "link-vehicle-up" }),
      hb: new Field("link-hb-age", "HEARTBEAT AGE", "s"),
      loss: new Field("link-loss", "LOSS NOW / ALL", "%"),
      rtt: new Field("link-rtt", "ROUND TRIP", "ms"),
      crc: new Field("link-crc", "CRC ERRORS", ""),
      bad: new Field("link-bad-headers", "BAD HEADERS", ""),
      sig: new Field("link-sig", "SIGNATURE ERR", ""),
    };
    const v = this.vehicle;
    this.box.append(
      h("div", { class: "link-head" }, h("span", {}, "VEHICLE LINK"), v.up),
      h("div", { class: "fields three" }, v.hb.el, v.loss.el, v.rtt.el, v.crc.el, v.bad.el, v.sig.el),
    );
    this.feeds = h("div", { class: "feeds", "data-testid": "platform-feeds" });
    this.box.append(this.feeds);
    this.feedRows = new Map();
  }

  render({ store }) {
    const sysid = store.sysid;
    const link = store.read(`vehicle/${sysid}/link`);
    const l = link.v;
    const v = this.vehicle;
    // As the link reported it; when the report itself is old the field goes stale with its age.
    const hbAge = isNum(l.heartbeat_age_s) ? l.heartbeat_age_s : null;
    const upTone = link.state !== "live" ? "stale" : l.up === true ? "green" : "red";
    chip(v.up, link.state === "nodata" ? "NO DATA" : link.state === "stale" ? `STALE ${fmtAge(link.age)}` : l.up ? "UP" : "DOWN", upTone);
    setAttr(v.up, "data-up", link.state === "live" ? String(l.up === true) : null);
    v.hb.show(isNum(hbAge) ? hbAge.toFixed(1) : null, link, isNum(hbAge) ? (hbAge > 4 ? "red" : hbAge > 2 ? "amber" : "green") : "");
    const recent = isNum(l.recent_loss_pct) ? l.recent_loss_pct : l.loss_pct;
    const pct = (x) => x.toFixed(x >= 10 ? 0 : 1);
    v.loss.show(isNum(recent) ? `${pct(recent)}${isNum(l.loss_pct) ? ` / ${pct(l.loss_pct)}` : ""}` : null, link, isNum(recent) ? (recent > 5 ? "red" : recent > 1 ? "amber" : "green") : "");
    setAttr(v.loss.el, "title", "recent / since the link started");
    v.crc.show(isNum(l.crc_errors) ? fmtInt(l.crc_errors) : null, link, l.crc_errors ? "amber" : "");
    setAttr(v.crc.el, "title", "frames with a bad checksum on the whole link");
    v.bad.show(isNum(l.bad_headers) ? fmtInt(l.bad_headers) : null, link, l.bad_headers ? "amber" : "");
    v.sig.show(isNum(l.signature_errors) ? fmtInt(l.signature_errors) : null, link, l.signature_errors ? "amber" : "");
    v.rtt.show(isNum(l.rtt_s) ? (l.rtt_s * 1000).toFixed(0) : null, link);
    for (const name of store.platformNames()) this.renderFeed(store, name);
  }

  renderFeed(store, name) {
    let r = this.feedRows.get(name);
    if (!r) {
      const sid = name.replace(/[^A-Za-z0-9_-]/g, "_");
      r = { up: h("span", { class: "chip small", "data-testid": `feed-up-${sid}` }), text: h("span", { class: "feed-text", "data-testid": `feed-text-${sid}` }) };
      r.el = h("div", { class: "feed-row", "data-testid": `feed-${sid}` }, h("span", { class: "feed-name" }, name), r.up, r.text);
      this.feedRows.set(name, r);
      this.feeds.append(r.el);
    }
    const feed = store.read(`platform/${name}/feed`);
    const deck = store.read(`platform/${name}/state`);
    const f = feed.v;
    const stale = arr(f.stale).map(str);
    // Every line lost to framing, checksum or parsing (per-type tables summed); not the good ones.
    let errors = isNum(f.errors) ? f.errors : 0;
    for (const [name, count] of Object.entries(obj(f.counters))) {
      if (name === "sentences_ok") continue;
      if (isNum(count)) errors += count;
      else for (const n of Object.values(obj(count))) if (isNum(n)) errors += n;
    }
    let label;
    let tone;
    if (feed.state !== "live") [label, tone] = [feed.state === "nodata" ? "NO DATA" : `STALE ${fmtAge(feed.age)}`, "stale"];
    else if (f.link_up === false) [label, tone] = ["DOWN", "red"];
    else if (stale.length) [label, tone] = ["DEGRADED", "amber"];
    else [label, tone] = ["UP", "green"];
    chip(r.up, label, tone);
    setAttr(r.el, "data-stale", feed.state === "live" ? "false" : "true");
    const rates = Object.entries(obj(f.sentence_rates_hz)).filter(([, hz]) => isNum(hz)).map(([k, hz]) => `${k} ${hz.toFixed(hz < 10 ? 1 : 0)}`);
    const deckAge = deck.state === "nodata" ? "deck no data" : `deck ${fmtAge(deck.age)}${deck.state === "stale" ? " STALE" : ""}`;
    setText(r.text, `${deckAge} · ${stale.length ? `stale: ${stale.join(", ")} · ` : ""}${errors ? `${fmtInt(errors)} bad lines · ` : ""}${rates.join(" ") || "no sentences"}`);
  }
}

// --- vehicle and range-safety commands -----------------------------------------------------------

export class CommandsPanel {
  constructor(commands) {
    this.detail = document.getElementById("fts-detail");
    document.getElementById("vehicle-cmds").append(
      commands.button("vehicle/arm", {}, { tone: "hold" }),
      commands.button("vehicle/abort", {}, { tone: "nogo" }),
      commands.button("divert", {}, {}),
    );
    this.confirm = commands.button("fts/confirm", {}, { tone: "nogo" });
    document.getElementById("fts-cmds").append(
      commands.button("fts/arm", {}, { tone: "hold" }),
      this.confirm,
      commands.button("fts/disarm", {}, {}),
    );
  }

  render({ launch, fresh }) {
    const f = launch.fts;
    let text = f.state ? f.state.toUpperCase() : "—";
    if (f.state === "armed") text += `${f.armedBy ? ` by ${f.armedBy}` : ""}${isNum(f.remaining) ? `, confirm within ${Math.ceil(f.remaining)} s` : ""}`;
    if (f.state === "sent") text += f.sentBy ? ` by ${f.sentBy}` : "";
    if (launch.range.termination) text += ` · RECOMMENDED: ${launch.range.termination}`;
    setText(this.detail, fresh.state === "live" ? text : "STALE");
    stateClass(this.detail, "tone-", fresh.state !== "live" ? "stale" : f.state === "safe" ? "" : "red");
    // The second step stands out only once the first is done (the server refuses it otherwise).
    toggleClass(this.confirm, "armed", f.state === "armed");
  }
}

// --- alerts --------------------------------------------------------------------------------------

const SEV_TONE = { advisory: "neutral", caution: "amber", warning: "red", emergency: "red" };

export class AlertsPanel {
  constructor(commands) {
    this.commands = commands;
    this.box = document.getElementById("alert-rows");
    this.count = document.getElementById("alerts-count");
    this.rows = new Map();
    this.empty = h("div", { class: "empty", "data-testid": "alerts-empty" }, "No alerts.");
    this.box.append(this.empty);
  }

  render({ launch, fresh }) {
    const list = launch.alerts;
    const seen = new Set();
    const unack = list.filter((a) => a.state !== "acknowledged").length;
    setText(this.count, fresh.state !== "live" ? "STALE" : `${unack} to acknowledge, ${list.length} in all`);
    let prev = null;
    for (const a of list) {
      if (!a.key) continue;
      seen.add(a.key);
      let r = this.rows.get(a.key);
      if (!r) {
        r = {
          sev: h("span", { class: "chip small" }),
          msg: h("span", { class: "a-msg" }),
          meta: h("span", { class: "a-meta" }),
          ack: this.commands.button("alerts/ack", { key: a.key }, { testid: "alert-ack", detail: `Acknowledge: ${a.message}` }),
        };
        r.el = h("div", { class: "alert-row", "data-testid": "alert-row", "data-key": a.key }, r.sev, r.msg, r.meta, r.ack);
        this.rows.set(a.key, r);
      }
      chip(r.sev, a.severity.toUpperCase(), SEV_TONE[a.severity] || "red");
      setText(r.msg, a.message || a.key);
      const state = a.state === "acknowledged" ? `ack'd by ${a.ackBy || "?"}` : a.state === "latched" ? "cleared, not yet acknowledged" : "ACTIVE";
      setText(r.meta, `${a.source} · ${fmtUtc(a.raisedS)} · ${state}`);
      setAttr(r.el, "data-state", a.state);
      setAttr(r.el, "data-severity", a.severity);
      stateClass(r.el, "a-", a.state);
      setHidden(r.ack, a.state === "acknowledged");
      // Keep the board in the order the model gives (unacknowledged first, worst first).
      const want = prev ? prev.nextSibling : this.box.firstChild;
      if (want !== r.el) this.box.insertBefore(r.el, want);
      prev = r.el;
    }
    for (const [key, r] of this.rows) {
      if (!seen.has(key)) {
        r.el.remove();
        this.commands.forget(r.ack);
        this.rows.delete(key);
      }
    }
    setHidden(this.empty, this.rows.size > 0);
    toggleClass(this.box, "is-stale", fresh.state !== "live");
  }
}

// --- journal -------------------------------------------------------------------------------------

function summary(e) {
  const p = obj(e.payload);
  const parts = [];
  if (p.action) parts.push(str(p.action).replace(/_/g, " "));
  if (p.event) parts.push(str(p.event));
  if (p.stage) parts.push(`${str(p.stage)}${p.platform ? ` at ${str(p.platform)}` : ""}`);
  if (p.command) parts.push(`${str(p.command)}${p.result !== undefined ? ` → ${str(p.result)}` : ""}`);
  const text = p.reason || p.detail || p.message || p.text || p.error;
  if (text) parts.push(str(text));
  if (!parts.length) {
    const keys = Object.keys(p).slice(0, 4);
    for (const k of keys) {
      const v = p[k];
      parts.push(`${k}=${v !== null && typeof v === "object" ? JSON.stringify(v).slice(0, 60) : str(v)}`);
    }
  }
  return parts.join(" · ");
}

export class JournalPanel {
  constructor() {
    this.box = document.getElementById("journal");
    this.shown = new Set();
    this.max = 300;
  }

  render({ store }) {
    // Newest on top: walk the store's journal (oldest first) and prepend what is new.
    const fresh = [];
    for (const e of store.journal) {
      const id = isNum(e.seq) ? e.seq : `${e.unix_time_s}-${e.kind}`;
      if (this.shown.has(id)) continue;
      this.shown.add(id);
      fresh.push([id, e]);
    }
    if (!fresh.length) return;
    const frag = document.createDocumentFragment();
    for (let i = fresh.length - 1; i >= 0; i--) {
      const [id, e] = fresh[i];
      const t = isNum(e.unix_time_s) ? e.unix_time_s : isNum(e.t_unix_s) ? e.t_unix_s : null;
      const kind = str(e.kind);
      frag.append(h("div", { class: `j-row j-${kind}`, "data-testid": "journal-entry", "data-seq": id, "data-kind": kind },
        h("span", { class: "j-time" }, t !== null ? fmtUtc(t) : str(e.utc || e.t_iso).slice(11, 19)),
        h("span", { class: "j-kind" }, kind.replace(/_/g, " ")),
        h("span", { class: "j-who" }, str(e.who) || str(e.source)),
        h("span", { class: "j-text" }, summary(e))));
    }
    // A reader scrolled down into history keeps their place while new entries arrive on top.
    const scrolled = this.box.scrollTop > 4;
    const before = this.box.scrollHeight;
    this.box.prepend(frag);
    while (this.box.childElementCount > this.max) this.box.lastElementChild.remove();
    if (scrolled) this.box.scrollTop += this.box.scrollHeight - before;
    if (this.shown.size > 20 * this.max) {
      this.shown = new Set([...this.box.children].map((el) => (Number.isNaN(Number(el.dataset.seq)) ? el.dataset.seq : Number(el.dataset.seq))));
      for (const e of store.journal) this.shown.add(isNum(e.seq) ? e.seq : `${e.unix_time_s}-${e.kind}`);
    }
  }

  clear() {
    this.box.replaceChildren();
    this.shown.clear();
  }
}

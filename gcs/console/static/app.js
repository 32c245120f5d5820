// The operator console's entry point: log in, open the stream (/api/v1/stream), keep the Store up to
// date and redraw the panels; age every value on the station's clock from `tick` messages.
//
// Front-end packages (uPlot, topojson-client, world-atlas) come from /vendor/ when installed; without
// them the page still works and says what is missing. No bundler, no build step: ES modules only.
// Every render is guarded so a malformed message greys one panel, never the whole screen.

import { StripCharts } from "./charts.js";
import { Commands } from "./commands.js";
import { RangeMap, corridorPolygon } from "./map.js";
import { Store, latLon, launchView, sitesOf } from "./model.js";
import {
  AlertsPanel, BayPanel, CommandsPanel, CountdownPanel, CriteriaPanel, FleetPanel, JournalPanel, LandingPanel, LinksPanel,
  ManifestPanel, PollPanel, RedLinesPanel, StatusChips, VehiclePanel, latLonText,
} from "./panels.js";
import { arr, fmtAge, fmtUtc, isNum, obj, roleTitle, setAttr, setText, stateClass, str } from "./util.js";

const USER_KEY = "seaport.console.user";
const TRACK_MAX = 6000;
const $ = (id) => document.getElementById(id);

const store = new Store();
let commands;
let panels = [];
let map = null;
let charts = null;
let socket = null;
let reconnectDelayMs = 1000;
let reconnectTimer = null;
let renderQueued = false;
let track = [];
const faults = new Map();

// --- vendor packages -----------------------------------------------------------------------------

function loadScript(src) {
  return new Promise((resolve) => {
    const el = document.createElement("script");
    el.src = src;
    el.async = true;
    el.onload = () => resolve(true);
    el.onerror = () => resolve(false);
    document.head.append(el);
  });
}

function loadCss(href) {
  return new Promise((resolve) => {
    const el = document.createElement("link");
    el.rel = "stylesheet";
    el.href = href;
    el.onload = () => resolve(true);
    el.onerror = () => resolve(false);
    document.head.append(el);
  });
}

let vendorStarted = false;

/** Load the packages once, after hello: a station that says they are not installed is not asked. */
function ensureVendor(cfg) {
  if (vendorStarted) return;
  vendorStarted = true;
  if (cfg.vendor_installed === false) {
    vendorMissing(["uplot (strip charts)", "topojson-client and world-atlas (coastlines)"], str(cfg.vendor_missing_notice));
    return;
  }
  loadVendor();
}

function vendorMissing(missing, serverNotice) {
  setAttr($("charts"), "data-no-charts", missing.some((m) => m.startsWith("uplot")) ? "true" : null);
  if (missing.some((m) => !m.startsWith("uplot"))) map.setNotice("No coastlines: front-end packages not installed");
  const notice = $("vendor-notice");
  notice.hidden = false;
  const how = serverNotice || "run `npm ci --prefix gcs/console/web` (or `make demo`)";
  setText(notice, `Charts/coastlines unavailable: ${missing.join(", ")} missing; ${how}.`);
  setAttr(notice, "title", `Front-end packages missing: ${missing.join(", ")}. The console works without them.`);
}

async function loadVendor() {
  const missing = [];
  const [uplotJs, , topoJs] = await Promise.all([
    loadScript("/vendor/uplot/dist/uPlot.iife.min.js"),
    loadCss("/vendor/uplot/dist/uPlot.min.css"),
    loadScript("/vendor/topojson-client/dist/topojson-client.min.js"),
  ]);
  if (uplotJs && typeof window.uPlot === "function") charts.start(window.uPlot);
  else missing.push("uplot (strip charts)");
  let land = null;
  if (topoJs && window.topojson && typeof window.topojson.feature === "function") {
    try {
      const res = await fetch("/vendor/world-atlas/land-110m.json");
      if (res.ok) {
        const topo = await res.json();
        const f = window.topojson.feature(topo, obj(obj(topo).objects).land);
        land = f && f.type === "FeatureCollection" ? f.features.map((x) => x.geometry) : f && f.geometry ? [f.geometry] : null;
      }
    } catch {
      land = null;
    }
    if (!land) missing.push("world-atlas (coastlines)");
  } else {
    missing.push("topojson-client (coastlines)");
  }
  if (land) {
    const polys = [];
    for (const g of land) {
      if (!g) continue;
      if (g.type === "MultiPolygon") polys.push(...g.coordinates);
      else if (g.type === "Polygon") polys.push(g.coordinates);
    }
    map.setLand({ type: "MultiPolygon", coordinates: polys });
  }
  if (missing.length) vendorMissing(missing, "");
}

// --- login ---------------------------------------------------------------------------------------

function showLogin(message) {
  closeSocket();
  store.connected = false;
  $("console").hidden = true;
  $("login").hidden = false;
  setText($("login-error"), message || "");
  const remembered = localStorage.getItem(USER_KEY);
  if (remembered && !$("login-user").value) $("login-user").value = remembered;
  ($("login-user").value ? $("login-password") : $("login-user")).focus();
}

function showConsole(user) {
  store.user = user;
  commands.setUser(user);
  setText($("user-name"), user.user || "");
  setText($("user-roles"), arr(user.roles).map(roleTitle).join(", "));
  setAttr($("user-roles"), "title", arr(user.roles).map(roleTitle).join(", "));
  $("login").hidden = true;
  $("console").hidden = false;
  map.resize();
  connect();
}

async function login(e) {
  e.preventDefault();
  const user = $("login-user").value.trim();
  const password = $("login-password").value;
  const submit = $("login-form").querySelector("button");
  submit.disabled = true;
  setText($("login-error"), "");
  try {
    const res = await fetch("/api/v1/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ user, password }),
    });
    const body = obj(await res.json().catch(() => ({})));
    if (res.ok) {
      localStorage.setItem(USER_KEY, user);
      $("login-password").value = "";
      showConsole({ user: body.user || user, roles: arr(body.roles) });
    } else {
      const why = typeof body.error === "string" && body.error ? body.error : `HTTP ${res.status}`;
      setText($("login-error"), res.status === 429 ? `Too many failed logins: ${why}` : why);
      $("login-password").select();
    }
  } catch (err) {
    setText($("login-error"), `No answer from the station: ${err && err.message ? err.message : err}`);
  } finally {
    submit.disabled = false;
  }
}

async function logout() {
  localStorage.removeItem(USER_KEY);
  try {
    await fetch("/api/v1/logout", { method: "POST", credentials: "same-origin" });
  } catch {
    // Logged out locally either way; the session expires on the server.
  }
  resetView();
  showLogin("Logged out.");
}

/** On load: only a browser that logged in before asks the server whether its session still holds. */
async function resume() {
  if (!localStorage.getItem(USER_KEY)) {
    showLogin("");
    return;
  }
  try {
    const res = await fetch("/api/v1/me", { credentials: "same-origin" });
    if (res.ok) {
      const body = obj(await res.json().catch(() => ({})));
      if (body.user) {
        showConsole({ user: body.user, roles: arr(body.roles) });
        return;
      }
    }
    showLogin(res.status === 401 ? "Session expired: log in again." : "");
  } catch {
    showLogin("No answer from the station.");
  }
}

// --- the stream ----------------------------------------------------------------------------------

function closeSocket() {
  clearTimeout(reconnectTimer);
  reconnectTimer = null;
  if (socket) {
    const s = socket;
    socket = null;
    s.onclose = null;
    s.onmessage = null;
    s.onerror = null;
    try {
      s.close(1000, "page closed");
    } catch {
      // Already closed.
    }
  }
}

function connect() {
  closeSocket();
  setConn("CONNECTING", "amber");
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/stream`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => {
    reconnectDelayMs = 1000;
  };
  ws.onmessage = (ev) => {
    if (typeof ev.data !== "string") return;
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    onMessage(msg);
  };
  ws.onclose = async (ev) => {
    if (socket !== ws) return;
    socket = null;
    store.connected = false;
    schedule();
    // A refused handshake looks like any close: ask whether the session still holds.
    try {
      const res = await fetch("/api/v1/me", { credentials: "same-origin" });
      if (res.status === 401) {
        showLogin("Session expired: log in again.");
        return;
      }
    } catch {
      // Station unreachable: keep trying.
    }
    setConn(`STATION LINK LOST${ev.code ? ` (${ev.code})` : ""} · retrying`, "red");
    reconnectTimer = setTimeout(connect, reconnectDelayMs);
    reconnectDelayMs = Math.min(10000, reconnectDelayMs * 2);
  };
}

function setConn(text, tone) {
  const el = $("conn-status");
  setText(el, text);
  stateClass(el, "tone-", tone);
}

function onMessage(msg) {
  const m = obj(msg);
  if (m.type === "hello" || m.type === "snapshot") store.connected = true;
  const changed = store.apply(m);
  if (m.type === "hello") onHello();
  if (m.type === "snapshot") {
    track = [];
    panelsOf(JournalPanel).forEach((p) => p.clear());
  }
  const stateKey = `vehicle/${store.sysid}/state`;
  if (changed.includes(stateKey)) {
    const item = store.get(stateKey);
    if (charts) charts.add(item);
    const ll = latLon(obj(item).v);
    if (ll) {
      const last = track[track.length - 1];
      if (!last || Math.abs(last[0] - ll[0]) > 1e-4 || Math.abs(last[1] - ll[1]) > 1e-4) track.push(ll);
      if (track.length > TRACK_MAX) track = track.filter((_, i) => i % 2 === 0 || i > track.length - 500);
    }
  }
  schedule();
}

function onHello() {
  const cfg = store.config;
  if (store.user && store.user.user) showUserFromHello(store.user);
  commands.setTable(cfg.commands);
  ensureVendor(cfg);
  const sites = sitesOf(cfg);
  const corridors = [];
  const centrelines = [];
  // `corridor`: the station's polygons; `corridors`: centre line and half width (drawn as the
  // centre line, and as the polygon only when the station sent none).
  for (const c of arr(cfg.corridor)) {
    const poly = arr(Array.isArray(c) ? c : obj(c).polygon || obj(c).points).map(latLon).filter(Boolean);
    if (poly.length > 2) corridors.push(poly);
  }
  const polygonsSent = corridors.length > 0;
  for (const c of arr(cfg.corridors)) {
    const o = obj(c);
    const line = arr(o.centreline || o.centerline || o.points).map(latLon).filter(Boolean);
    if (line.length > 1) centrelines.push(line);
    if (!polygonsSent && line.length > 1 && isNum(o.half_width_m)) corridors.push(corridorPolygon(line, o.half_width_m));
  }
  const destructLines = arr(cfg.destruct_lines).map((d) => arr(Array.isArray(d) ? d : obj(d).points).map(latLon).filter(Boolean)).filter((l) => l.length > 1);
  map.setMission({ sites, corridors, centrelines, destructLines });
}

function showUserFromHello(user) {
  // The server's word on who this is wins over what the login form remembered.
  const u = { user: user.user, roles: arr(user.roles) };
  commands.setUser(u);
  setText($("user-name"), u.user || "");
  setText($("user-roles"), u.roles.map(roleTitle).join(", "));
}

// --- drawing -------------------------------------------------------------------------------------

function panelsOf(kind) {
  return panels.filter((p) => p instanceof kind);
}

// The stream may bring up to max_update_hz (60) messages a second; people read at most a few
// changes a second, and a software-rendered control-room browser pays for every frame it draws.
// So the page draws in slots of a fixed grid, at most one frame per slot (5 a second), and only
// when something is new. Blinking (style.css, data-blink on <html>) flips on the same grid, every
// BLINK_SLOTS slots, in a frame the page draws anyway: no CSS animation (those redraw at 60 Hz for
// as long as anything blinks), no frame of its own while data flows.
const FRAME_SLOT_MS = 200;
const BLINK_SLOTS = 3;
// A timer that fires this late after a slot's start still draws in that slot.
const SLOT_SLACK_MS = 20;
let lastSlot = -1;

function schedule() {
  if (renderQueued) return;
  renderQueued = true;
  const now = performance.now();
  const slot = Math.max(lastSlot + 1, Math.ceil((now - SLOT_SLACK_MS) / FRAME_SLOT_MS));
  setTimeout(() => requestAnimationFrame(() => {
    renderQueued = false;
    lastSlot = slot;
    setAttr(document.documentElement, "data-blink", Math.floor(slot / BLINK_SLOTS) % 2 === 0 ? "on" : "off");
    render();
  }), Math.max(0, slot * FRAME_SLOT_MS - now));
}

/** A frame at every blink flip, which also ages the values when nothing arrives (ticks come 4 a second). */
function beat() {
  schedule();
  const periodMs = BLINK_SLOTS * FRAME_SLOT_MS;
  const now = performance.now();
  setTimeout(beat, (Math.floor(now / periodMs) + 1) * periodMs - now);
}

function guarded(name, fn) {
  try {
    fn();
    if (faults.delete(name)) showFaults();
  } catch (err) {
    // A bug of ours: say so on screen and in the console (the browser tests fail on it).
    if (!faults.has(name)) {
      faults.set(name, String(err && err.message ? err.message : err));
      showFaults();
      console.error(`console panel ${name}:`, err);
    }
  }
}

function showFaults() {
  const el = $("fault-notice");
  el.hidden = faults.size === 0;
  setText(el, faults.size ? `Display fault in ${[...faults.keys()].join(", ")}: ${[...faults.values()][0]}` : "");
}

function render() {
  const alive = store.linkAlive();
  const now = store.nowS();
  const launchRead = store.read("launch"); // its freshness is the launch status's
  const launch = launchView(store.launchPayload(), store.config);
  const fresh = { state: launchRead.state, age: launchRead.age };
  const sysid = store.sysid;
  const state = store.read(`vehicle/${sysid}/state`);
  const beat = store.read(`vehicle/${sysid}/heartbeat`);
  const phase = state.state === "live" && state.v.phase !== undefined ? state.v.phase : beat.v.phase;
  const phaseFresh = state.state === "live" ? state : beat;
  const ctx = { store, launch, fresh, now, user: commands.user, state, beat, phase, phaseFresh };
  for (const p of panels) guarded(p.constructor.name, () => p.render(ctx));
  guarded("map", () => renderMap(ctx));
  guarded("charts", () => {
    if (!charts) return;
    charts.mark(state.state === "nodata" ? null : state.v, state.state, fmtAge(state.age));
    charts.draw(performance.now());
  });
  setText($("station-time"), isNum(now) ? fmtUtc(now) : "—");
  if (store.connected) setConn(alive ? "LIVE" : "NO TICKS FROM STATION", alive ? "green" : "red");
}

function renderMap({ store: s, launch, state }) {
  const iipItem = s.read(`vehicle/${s.sysid}/iip`);
  let iip = iipItem.state !== "nodata" ? latLon(iipItem.v) : null;
  let iipFresh = iipItem;
  // Launch control's own IIP only while range safety watches (on the pad it is the pad itself).
  if (!iip && launch.range.iip && launch.range.watching) {
    iip = launch.range.iip;
    iipFresh = s.read("launch");
  }
  // Range safety's own verdict first (the station checks the corridor itself); the vehicle's
  // IMPACT_POINT flag only when range safety has none.
  const inside = launch.range.watching && launch.range.inside !== null ? launch.range.inside
    : typeof iipItem.v.inside_corridor === "boolean" ? iipItem.v.inside_corridor : launch.range.inside;
  const vehicle = state.state !== "nodata" ? latLon(state.v) : null;
  map.update({
    track,
    vehicle,
    vehicleStale: state.state !== "live",
    iip,
    iipStale: iipFresh.state !== "live",
    iipText: iipFresh.state === "stale" ? `IIP STALE ${fmtAge(iipFresh.age)}` : "IIP",
  });
  setText($("map-vehicle"), vehicle ? `VEHICLE ${latLonText(vehicle[0], vehicle[1])}${state.state === "stale" ? ` · STALE ${fmtAge(state.age)}` : ""}` : "");
  stateClass($("map-vehicle"), "tone-", vehicle && state.state === "stale" ? "stale" : "");
  const el = $("map-iip");
  if (!iip) {
    setText(el, launch.range.watching ? "IIP: no impact point" : "");
    stateClass(el, "tone-", "");
    return;
  }
  const m = launch.range.margin;
  const margin = !isNum(m) ? "" : m >= 0 ? ` · margin ${(m / 1000).toFixed(0)} km` : ` · ${(-m / 1000).toFixed(0)} km outside`;
  const tti = isNum(iipItem.v.time_to_impact_s) ? ` · impact in ${Math.round(iipItem.v.time_to_impact_s)} s` : "";
  const where = `${Math.abs(iip[0]).toFixed(2)}°${iip[0] >= 0 ? "N" : "S"} ${Math.abs(iip[1]).toFixed(2)}°${iip[1] >= 0 ? "E" : "W"}`;
  const stale = iipFresh.state !== "live";
  setText(el, `IIP ${where} · ${inside === false ? "OUTSIDE CORRIDOR" : inside === true ? "inside corridor" : "corridor ?"}${margin}${tti}${stale ? ` · STALE ${fmtAge(iipFresh.age)}` : ""}`);
  stateClass(el, "tone-", stale ? "stale" : inside === false ? "red" : "green");
  setAttr(el, "data-stale", stale ? "true" : "false");
}

function resetView() {
  closeSocket();
  store.reset();
  store.connected = false;
  track = [];
  panelsOf(JournalPanel).forEach((p) => p.clear());
}

// --- start ---------------------------------------------------------------------------------------

function start() {
  commands = new Commands({
    resultEl: $("command-result"),
    dialogEl: $("confirm"),
    context: () => {
      const l = launchView(store.launchPayload(), store.config);
      const pts = l.countdown.recyclePoints.length ? l.countdown.recyclePoints : arr(store.config.recycle_points).map((p) => (typeof p === "string" ? p : obj(p).name)).filter(Boolean);
      return { recyclePoints: pts };
    },
    onUnauthorized: () => showLogin("Session expired: log in again."),
  });
  panels = [
    new CountdownPanel($("count-cmds"), commands),
    new StatusChips(),
    new PollPanel(commands),
    new CriteriaPanel(),
    new RedLinesPanel(),
    new VehiclePanel(),
    new BayPanel(),
    new LandingPanel(commands),
    new ManifestPanel(),
    new FleetPanel(),
    new LinksPanel(),
    new CommandsPanel(commands),
    new AlertsPanel(commands),
    new JournalPanel(),
  ];
  map = new RangeMap($("map"));
  charts = new StripCharts($("charts"));
  for (const b of document.querySelectorAll("[data-map-mode]")) {
    b.addEventListener("click", () => {
      for (const o of document.querySelectorAll("[data-map-mode]")) o.classList.toggle("active", o === b);
      map.setMode(b.dataset.mapMode);
      schedule();
    });
  }
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  // Ages move with the station's clock (ticks); the beat also catches a silent station within a second.
  beat();
  resume();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();

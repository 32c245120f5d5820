// The range map in plain SVG: coastlines from world-atlas land-110m (through topojson-client when it
// is installed), the corridor, destruct lines, the launch, landing and alternate platforms, the
// vehicle's track and the instantaneous impact point. No tile server.
//
// Projection: equirectangular around the middle of what is shown, x scaled by cos(mid latitude) so
// shapes look right at mid latitudes; longitudes are unwrapped around the centre so a route across
// the antimeridian (the cargo hop crosses the Pacific) stays in one piece.
// Knows nothing of the stream: the app hands it sites, corridors, the track and the IIP.

import { h, isNum, setAttr, setText } from "./util.js";

const SVG = "http://www.w3.org/2000/svg";
const s = (tag, attrs = {}) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  return el;
};

const wrap = (lon, centre) => {
  let d = lon - centre;
  while (d > 180) d -= 360;
  while (d < -180) d += 360;
  return centre + d;
};

/** Offset a centreline by a half width (metres) on both sides: a corridor polygon as [lat, lon]. */
export function corridorPolygon(centre, halfWidthM) {
  const pts = centre.filter((p) => p && isNum(p[0]) && isNum(p[1]));
  if (pts.length < 2 || !isNum(halfWidthM)) return [];
  const R = 6371000;
  const left = [];
  const right = [];
  for (let i = 0; i < pts.length; i++) {
    const a = pts[Math.max(0, i - 1)];
    const b = pts[Math.min(pts.length - 1, i + 1)];
    const lat = (pts[i][0] * Math.PI) / 180;
    // Local east/north direction of travel.
    let dLon = b[1] - a[1];
    if (dLon > 180) dLon -= 360;
    if (dLon < -180) dLon += 360;
    const east = dLon * Math.cos(lat);
    const north = b[0] - a[0];
    const n = Math.hypot(east, north) || 1;
    // Perpendicular (to the left of travel) in degrees of latitude / longitude.
    const offN = ((east / n) * halfWidthM) / R * (180 / Math.PI);
    const offE = ((-north / n) * halfWidthM) / R * (180 / Math.PI);
    const offLon = offE / Math.max(0.05, Math.cos(lat));
    left.push([pts[i][0] + offN, pts[i][1] + offLon]);
    right.push([pts[i][0] - offN, pts[i][1] - offLon]);
  }
  return [...left, ...right.reverse()];
}

export class RangeMap {
  constructor(container) {
    this.container = container;
    this.land = null; // GeoJSON geometry, once loaded
    this.sites = [];
    this.corridors = []; // [[lat, lon], ...] polygons
    this.centrelines = [];
    this.destructLines = [];
    this.track = [];
    this.vehicle = null;
    this.iip = null;
    this.mode = "route";
    // Two stacked drawings: the static one (coastlines are thousands of points) is painted once
    // per resize on its own layer; only the small dynamic one repaints as the vehicle moves.
    this.svg = s("svg", { class: "map-svg map-static", "data-testid": "map-svg", preserveAspectRatio: "xMidYMid meet" });
    this.dyn = s("svg", { class: "map-svg map-dynamic", preserveAspectRatio: "xMidYMid meet" });
    this.layers = {};
    for (const name of ["ocean", "grid", "land", "corridor", "destruct", "plan", "sites"]) {
      this.layers[name] = s("g", { class: `map-${name}` });
      this.svg.append(this.layers[name]);
    }
    for (const name of ["track", "iip", "vehicle"]) {
      this.layers[name] = s("g", { class: `map-${name}` });
      this.dyn.append(this.layers[name]);
    }
    this.trackPath = s("polyline", { class: "track", "data-testid": "map-track", fill: "none" });
    this.layers.track.append(this.trackPath);
    this.iipMark = s("g", { class: "iip", "data-testid": "map-iip", visibility: "hidden" });
    this.iipMark.append(s("path", { d: "M-7,-7L7,7M-7,7L7,-7" }), s("circle", { r: 10 }));
    this.iipLabel = s("text", { x: 14, y: 5 });
    this.iipMark.append(this.iipLabel);
    this.layers.iip.append(this.iipMark);
    this.vehicleMark = s("g", { class: "vehicle", "data-testid": "map-vehicle", visibility: "hidden" });
    this.vehicleMark.append(s("circle", { r: 7 }), s("circle", { r: 13, class: "halo" }));
    this.layers.vehicle.append(this.vehicleMark);
    this.notice = h("div", { class: "map-notice", "data-testid": "map-notice" });
    this.container.append(this.svg, this.dyn, this.notice);
    this.size = { w: 800, h: 400 };
    this.view = null;
    this.viewKey = "";
    new ResizeObserver(() => this.resize()).observe(container);
    this.resize();
  }

  setNotice(text) {
    setText(this.notice, text);
    this.notice.hidden = !text;
  }

  setLand(geometry) {
    this.land = geometry;
    this.drawStatic();
  }

  setMission({ sites, corridors, centrelines, destructLines }) {
    this.sites = sites || [];
    this.corridors = corridors || [];
    this.centrelines = centrelines || [];
    this.destructLines = destructLines || [];
    this.view = null;
    this.drawStatic();
  }

  setMode(mode) {
    this.mode = mode;
    this.view = null;
    this.drawStatic();
  }

  resize() {
    const r = this.container.getBoundingClientRect();
    const w = Math.max(100, Math.round(r.width));
    const hh = Math.max(100, Math.round(r.height));
    if (w === this.size.w && hh === this.size.h && this.view) return;
    this.size = { w, h: hh };
    this.svg.setAttribute("viewBox", `0 0 ${w} ${hh}`);
    this.dyn.setAttribute("viewBox", `0 0 ${w} ${hh}`);
    this.view = null;
    this.drawStatic();
  }

  /** Choose centre and scale to fit what matters in this mode. */
  fit() {
    let pts = [];
    const landing = this.sites.filter((x) => x.slot === "landing" || x.slot === "alternate");
    if (this.mode === "landing" && landing.length) {
      pts = landing.map((x) => [x.lat, x.lon]);
      if (this.vehicle) pts.push(this.vehicle);
    } else {
      // The mission's area only: a vehicle reporting nonsense (0, 0 before a fix) must not zoom
      // the map out to the whole world; off-view marks are pinned to the edge instead.
      pts = this.sites.map((x) => [x.lat, x.lon]);
      for (const poly of this.corridors) pts.push(...poly);
      for (const line of this.centrelines) pts.push(...line);
      if (!pts.length && this.vehicle) pts.push(this.vehicle);
    }
    if (!pts.length) pts = [[0, 0]];
    // Centre longitude: circular mean, so a trans-Pacific route centres on the Pacific.
    let sx = 0;
    let sy = 0;
    for (const p of pts) {
      sx += Math.cos((p[1] * Math.PI) / 180);
      sy += Math.sin((p[1] * Math.PI) / 180);
    }
    const lon0 = (Math.atan2(sy, sx) * 180) / Math.PI;
    let minLat = 90, maxLat = -90, minLon = 1e9, maxLon = -1e9;
    for (const p of pts) {
      const lon = wrap(p[1], lon0);
      minLat = Math.min(minLat, p[0]);
      maxLat = Math.max(maxLat, p[0]);
      minLon = Math.min(minLon, lon);
      maxLon = Math.max(maxLon, lon);
    }
    const minSpan = this.mode === "landing" ? 1.0 : 4.0;
    const padLat = Math.max((maxLat - minLat) * 0.12, minSpan / 2);
    const padLon = Math.max((maxLon - minLon) * 0.1, minSpan / 2);
    minLat -= padLat; maxLat += padLat; minLon -= padLon; maxLon += padLon;
    const lat0 = (minLat + maxLat) / 2;
    const k = Math.max(0.2, Math.cos((lat0 * Math.PI) / 180));
    const spanX = (maxLon - minLon) * k;
    const spanY = maxLat - minLat;
    const scale = Math.min(this.size.w / spanX, this.size.h / spanY);
    const cx = ((minLon + maxLon) / 2);
    this.view = { lon0: cx, lat0, k, scale, cxLat: (minLat + maxLat) / 2 };
  }

  project(lat, lon) {
    const v = this.view;
    const x = this.size.w / 2 + (wrap(lon, v.lon0) - v.lon0) * v.k * v.scale;
    const y = this.size.h / 2 - (lat - v.cxLat) * v.scale;
    return [x, y];
  }

  pathOf(points, close) {
    let d = "";
    let prevLon = null;
    for (let i = 0; i < points.length; i++) {
      const [lat, lon] = points[i];
      // Keep the ring continuous across the antimeridian: unwrap from the previous point.
      const ulon = prevLon === null ? wrap(lon, this.view.lon0) : wrap(lon, prevLon);
      prevLon = ulon;
      const v = this.view;
      const x = this.size.w / 2 + (ulon - v.lon0) * v.k * v.scale;
      const y = this.size.h / 2 - (lat - v.cxLat) * v.scale;
      d += `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
    }
    return close && d ? `${d}Z` : d;
  }

  drawStatic() {
    if (!this.view) this.fit();
    const L = this.layers;
    const { w, h: hh } = this.size;
    L.ocean.replaceChildren(s("rect", { x: 0, y: 0, width: w, height: hh }));
    // Graticule every 10 degrees (5 in landing view).
    const step = this.mode === "landing" ? 1 : 10;
    const g = [];
    for (let lat = -80; lat <= 80; lat += step) g.push(`M0,${this.project(lat, this.view.lon0)[1].toFixed(1)}H${w}`);
    const lonStart = Math.floor((this.view.lon0 - 180) / step) * step;
    for (let lon = lonStart; lon <= this.view.lon0 + 180; lon += step) {
      const x = this.size.w / 2 + (lon - this.view.lon0) * this.view.k * this.view.scale;
      if (x >= 0 && x <= w) g.push(`M${x.toFixed(1)},0V${hh}`);
    }
    L.grid.replaceChildren(s("path", { d: g.join("") }));
    // Land: each ring drawn at the centre and one turn either side, so the seam never shows.
    const landParts = [];
    if (this.land) {
      const polys = this.land.type === "MultiPolygon" ? this.land.coordinates : this.land.type === "Polygon" ? [this.land.coordinates] : [];
      const paths = [];
      for (const poly of polys) {
        for (const ring of poly) {
          const pts = ring.map((c) => [c[1], c[0]]);
          if (pts.length < 3) continue;
          paths.push(this.pathOf(pts, true));
        }
      }
      const d = paths.join("");
      const turn = 360 * this.view.k * this.view.scale;
      for (const dx of [-turn, 0, turn]) landParts.push(s("path", { d, transform: `translate(${dx.toFixed(1)},0)`, "fill-rule": "evenodd" }));
    }
    L.land.replaceChildren(...landParts);
    setAttr(L.land, "data-testid", this.land ? "map-land" : null);
    L.corridor.replaceChildren(...this.corridors.map((poly) => s("path", { d: this.pathOf(poly, true), "data-testid": "map-corridor" })));
    L.plan.replaceChildren(...this.centrelines.map((line) => s("path", { d: this.pathOf(line, false) })));
    L.destruct.replaceChildren(...this.destructLines.map((line) => s("path", { d: this.pathOf(line, false) })));
    const siteEls = [];
    const placed = [];
    for (const site of this.sites) {
      const [x, y] = this.project(site.lat, site.lon);
      // Platforms a few kilometres apart share a pixel at route scale: stack their labels.
      const near = placed.filter(([px, py]) => Math.abs(px - x) < 160 && Math.abs(py - y) < 22).length;
      placed.push([x, y]);
      const label = { launch: "LAUNCH", landing: "LANDING", alternate: "ALTERNATE" }[site.slot] || site.slot.toUpperCase();
      const grp = s("g", { class: `site site-${site.slot}`, transform: `translate(${x.toFixed(1)},${y.toFixed(1)})`, "data-testid": `map-site-${site.slot}` });
      grp.append(s("rect", { x: -6, y: -6, width: 12, height: 12 }));
      const right = x < w - 160;
      const t1 = s("text", { x: right ? 11 : -11, y: -6 + 18 * near, "text-anchor": right ? "start" : "end" });
      t1.textContent = `${label} ${site.name}`;
      grp.append(t1);
      siteEls.push(grp);
    }
    L.sites.replaceChildren(...siteEls);
    this.drawDynamic();
  }

  /** Track, vehicle and IIP; cheap, called on every update. */
  update({ track, vehicle, vehicleStale, iip, iipStale, iipText }) {
    this.track = track || [];
    this.vehicle = vehicle;
    this.iip = iip;
    this.vehicleStale = vehicleStale;
    this.iipStale = iipStale;
    this.iipText = iipText || "IIP";
    this.drawDynamic();
  }

  /** A point kept inside the view (marked "offview" when it had to be moved to the edge). */
  pinned([x, y], mark) {
    const m = 12;
    const px = Math.min(this.size.w - m, Math.max(m, x));
    const py = Math.min(this.size.h - m, Math.max(m, y));
    mark.classList.toggle("offview", px !== x || py !== y);
    return [px, py];
  }

  drawDynamic() {
    if (!this.view) return;
    const pts = [];
    let prev = null;
    for (const p of this.track) {
      const lon = prev === null ? wrap(p[1], this.view.lon0) : wrap(p[1], prev);
      prev = lon;
      const x = this.size.w / 2 + (lon - this.view.lon0) * this.view.k * this.view.scale;
      const y = this.size.h / 2 - (p[0] - this.view.cxLat) * this.view.scale;
      pts.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    }
    setAttr(this.trackPath, "points", pts.join(" "));
    setAttr(this.trackPath, "data-points", this.track.length);
    if (this.vehicle) {
      const [x, y] = this.pinned(this.project(this.vehicle[0], this.vehicle[1]), this.vehicleMark);
      setAttr(this.vehicleMark, "transform", `translate(${x.toFixed(1)},${y.toFixed(1)})`);
      setAttr(this.vehicleMark, "visibility", "visible");
      this.vehicleMark.classList.toggle("stale", Boolean(this.vehicleStale));
    } else {
      setAttr(this.vehicleMark, "visibility", "hidden");
    }
    if (this.iip) {
      const [x, y] = this.pinned(this.project(this.iip[0], this.iip[1]), this.iipMark);
      setAttr(this.iipMark, "transform", `translate(${x.toFixed(1)},${y.toFixed(1)})`);
      setAttr(this.iipMark, "visibility", "visible");
      this.iipMark.classList.toggle("stale", Boolean(this.iipStale));
      setText(this.iipLabel, this.iipText);
      // Near the right edge the label goes to the left of the mark.
      const left = x > this.size.w - 170;
      setAttr(this.iipLabel, "x", left ? -14 : 14);
      setAttr(this.iipLabel, "text-anchor", left ? "end" : "start");
    } else {
      setAttr(this.iipMark, "visibility", "hidden");
    }
  }
}

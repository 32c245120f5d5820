// Commands: the catalogue (who may send what, which are hazardous), the buttons, the confirmation
// dialog with its hold-to-activate control, and the POST to /api/v1/commands/<name>.
//
// The page disables a button when the logged-in user lacks every role it needs, but the server
// decides: its refusal (403 role, 409 state, 400 bad body) is always shown in the dialog and in the
// command result line. Knows nothing of the panels' contents.

import { h, roleTitle, setAttr, setText } from "./util.js";

const LD = "launch_director";
const RS = "range_safety";
// Anyone on the loop but a viewer may hold the count or acknowledge an alert (gcs.domain.roles.HOLD_ROLES).
export const HOLD_ROLES = ["operator", LD, RS, "vehicle", "propulsion", "landing_platform", "weather"];
const HOLD_TO_ACTIVATE_MS = 1500;

/**
 * name -> {label, roles, hazard, effect, fields}. `hazard` commands need the button pressed and held
 * for 1.5 s in the dialog (or, for flight termination, arm then confirm: two steps on two buttons).
 */
export const COMMANDS = {
  "count/start": { label: "START COUNT", roles: [LD], effect: "Start the countdown from the top of the timeline." },
  "count/hold": {
    label: "HOLD", roles: HOLD_ROLES, effect: "Stop the count where it is. Always safe before the terminal count hand-off.",
    fields: [{ name: "reason", label: "Reason", placeholder: "why the count holds", optional: true }],
  },
  "count/resume": { label: "RESUME", roles: [LD], effect: "Resume the held count." },
  "count/recycle": {
    label: "RECYCLE", roles: [LD], effect: "Hold and set the count back to a recycle point.",
    fields: [{ name: "point", label: "Recycle point", choices: "recyclePoints" }],
  },
  "count/scrub": {
    label: "SCRUB", roles: [LD], hazard: true, effect: "End today's attempt. The count cannot be resumed.",
    fields: [{ name: "reason", label: "Reason", placeholder: "why the attempt is scrubbed", optional: true }],
  },
  "poll/open": { label: "OPEN POLL", roles: [LD], effect: "Open a new go/no-go poll round; every station answers again." },
  "poll/answer": { label: "ANSWER", roles: [], effect: "Answer the poll for your station." },
  "go-for-launch": { label: "GO FOR LAUNCH", roles: [LD], effect: "Give go for launch: every station and every commit criterion must be go." },
  "alerts/ack": { label: "ACK", roles: HOLD_ROLES, effect: "Acknowledge the alert: you have seen it." },
  "vehicle/arm": { label: "ARM VEHICLE", roles: [LD], hazard: true, effect: "Arm the vehicle's flight computer." },
  "vehicle/abort": { label: "ABORT", roles: [LD, RS], hazard: true, effect: "Command the vehicle to abort the mission." },
  "fts/arm": { label: "FTS ARM", roles: [RS], hazard: true, effect: "Arm flight termination. A second step (FTS CONFIRM) within the confirm window destroys the vehicle." },
  "fts/confirm": { label: "FTS CONFIRM", roles: [RS], hazard: true, effect: "TERMINATE THE FLIGHT. The vehicle is destroyed. Needs FTS armed first." },
  "fts/disarm": {
    label: "FTS DISARM", roles: [RS], effect: "Disarm flight termination.",
    fields: [{ name: "reason", label: "Reason", placeholder: "why", optional: true }],
  },
  divert: { label: "DIVERT", roles: [LD], hazard: true, effect: "Send the vehicle to the alternate landing platform." },
  "recovery/confirm": { label: "CONFIRM", roles: [], effect: "Confirm a recovery checklist item." },
};

/** Who the page says may press a button: the needed roles, and whether `user` holds any of them. */
export function mayUse(user, roles) {
  const held = new Set((user && Array.isArray(user.roles) ? user.roles : []).map(String));
  return roles.some((r) => held.has(r));
}

function refusalTitle(user, roles) {
  const need = roles.map(roleTitle).join(" or ");
  const held = user && Array.isArray(user.roles) && user.roles.length ? user.roles.map(roleTitle).join(", ") : "no role";
  return `Needs the role ${need}; you hold ${held}.`;
}

/**
 * The command buttons of the page: they know the user, build the dialog and report results.
 * `context()` returns what a command's fields need (recycle points).
 */
export class Commands {
  constructor({ resultEl, dialogEl, context, onUnauthorized }) {
    this.user = null;
    this.resultEl = resultEl;
    this.dialog = dialogEl;
    this.context = context;
    this.onUnauthorized = onUnauthorized;
    this.buttons = new Set();
    this.holdTimer = null;
    this.pending = false;
    this.resultTimer = null;
    this.dialog.addEventListener("cancel", (e) => {
      if (this.pending) e.preventDefault();
      this.stopHold();
    });
  }

  setUser(user) {
    this.user = user;
    for (const b of this.buttons) this.refreshButton(b);
  }

  /**
   * The station's command table (hello.config.commands): who may send each command and whether it
   * is hazardous. It replaces the page's built-in copy, except for poll answers and recovery
   * confirmations whose buttons name their own station's or item's role.
   */
  setTable(table) {
    if (!Array.isArray(table)) return;
    for (const row of table) {
      if (!row || typeof row !== "object" || typeof row.name !== "string") continue;
      const def = COMMANDS[row.name] || (COMMANDS[row.name] = { label: String(row.title || row.name).toUpperCase(), roles: [] });
      if (Array.isArray(row.roles) && row.name !== "poll/answer" && row.name !== "recovery/confirm") def.roles = row.roles.map(String);
      if (row.hazardous === true) def.hazard = true;
      if (typeof row.title === "string" && row.title && !def.effect) def.effect = row.title;
    }
    for (const b of this.buttons) {
      if (!b._cmd.opts.roles && COMMANDS[b._cmd.name]) b._cmd.roles = COMMANDS[b._cmd.name].roles;
      b.classList.toggle("cmd-hazard", Boolean(COMMANDS[b._cmd.name]?.hazard || b._cmd.opts.hazard));
      this.refreshButton(b);
    }
  }

  /**
   * A button for `name` with `body` (object or function returning one). opts: {label, roles, testid,
   * tone, title, detail}. Roles default to the catalogue's.
   */
  button(name, body, opts = {}) {
    const def = COMMANDS[name] || { label: name, roles: [] };
    const label = opts.label || def.label;
    const b = h("button", {
      type: "button",
      class: `cmd ${def.hazard || opts.hazard ? "cmd-hazard" : ""} ${opts.tone ? `cmd-${opts.tone}` : ""}`,
      "data-testid": opts.testid || `cmd-${name.replace(/\//g, "-")}`,
      "data-command": name,
    }, label);
    b._cmd = { name, body, roles: opts.roles || def.roles, label, opts };
    b.addEventListener("click", () => this.open(b._cmd));
    this.buttons.add(b);
    this.refreshButton(b);
    return b;
  }

  /** Update a button's roles/body (poll rows change station). */
  rebind(b, { roles, body, label }) {
    if (!b || !b._cmd) return;
    if (roles) b._cmd.roles = roles;
    if (body !== undefined) b._cmd.body = body;
    if (label) {
      b._cmd.label = label;
      setText(b, label);
    }
    this.refreshButton(b);
  }

  forget(b) {
    this.buttons.delete(b);
  }

  refreshButton(b) {
    if (!b.isConnected && !this.buttons.has(b)) return;
    const { roles, opts } = b._cmd;
    const allowed = mayUse(this.user, roles);
    b.disabled = !allowed;
    setAttr(b, "aria-disabled", allowed ? null : "true");
    setAttr(b, "title", allowed ? opts.title || COMMANDS[b._cmd.name]?.effect || null : refusalTitle(this.user, roles));
  }

  /** The confirmation dialog for one command. */
  open(cmd) {
    if (this.pending) return;
    const def = COMMANDS[cmd.name] || {};
    const hazard = Boolean(def.hazard || cmd.opts.hazard);
    const d = this.dialog;
    d.replaceChildren();
    const inputs = {};
    const fields = (cmd.opts.fields || def.fields || []).map((f) => {
      let input;
      if (f.choices) {
        const choices = (this.context()[f.choices] || []).slice();
        input = h("select", { name: f.name, "data-testid": `confirm-field-${f.name}` }, ...choices.map((c) => h("option", { value: c }, c)));
      } else {
        input = h("input", { name: f.name, type: "text", placeholder: f.placeholder || "", autocomplete: "off", "data-testid": `confirm-field-${f.name}` });
      }
      inputs[f.name] = { input, def: f };
      return h("label", { class: "dlg-field" }, h("span", {}, f.label), input);
    });
    const errorEl = h("div", { class: "dlg-error", "data-testid": "confirm-error", role: "alert" });
    const who = this.user ? `${this.user.user} (${(this.user.roles || []).map(roleTitle).join(", ")})` : "";
    const cancel = h("button", { type: "button", class: "dlg-cancel", "data-testid": "confirm-cancel" }, "CANCEL");
    cancel.addEventListener("click", () => this.close());

    const send = async () => {
      const base = typeof cmd.body === "function" ? cmd.body() : cmd.body || {};
      const body = { ...base };
      for (const [name, { input, def: f }] of Object.entries(inputs)) {
        const v = input.value.trim();
        if (v || !f.optional) body[name] = v;
      }
      await this.send(cmd, body, errorEl);
    };

    let action;
    if (hazard) {
      const bar = h("span", { class: "hold-bar" });
      action = h("button", { type: "button", class: "dlg-hold", "data-testid": "confirm-hold" }, bar, h("span", { class: "hold-label" }, `PRESS AND HOLD: ${cmd.label}`));
      const start = (e) => {
        if (e.type === "keydown" && (e.repeat || (e.key !== " " && e.key !== "Enter"))) return;
        e.preventDefault();
        if (this.pending || this.holdTimer) return;
        action.classList.add("holding");
        bar.style.transitionDuration = `${HOLD_TO_ACTIVATE_MS}ms`;
        requestAnimationFrame(() => action.classList.add("filling"));
        this.holdTimer = setTimeout(() => {
          this.holdTimer = null;
          bar.style.transitionDuration = "0ms";
          action.classList.remove("holding", "filling");
          send();
        }, HOLD_TO_ACTIVATE_MS);
      };
      const stop = (e) => {
        if (e && e.type === "keyup" && e.key !== " " && e.key !== "Enter") return;
        this.stopHold(action);
      };
      action.addEventListener("pointerdown", start);
      action.addEventListener("keydown", start);
      for (const ev of ["pointerup", "pointerleave", "pointercancel", "keyup", "blur"]) action.addEventListener(ev, stop);
      action.addEventListener("click", (e) => e.preventDefault());
    } else {
      action = h("button", { type: "button", class: "dlg-ok", "data-testid": "confirm-ok" }, `CONFIRM: ${cmd.label}`);
      action.addEventListener("click", send);
    }
    this.holdButton = hazard ? action : null;
    d.append(
      h("h2", { class: hazard ? "dlg-title hazard" : "dlg-title", "data-testid": "confirm-title" }, hazard ? `⚠ ${cmd.label}` : cmd.label),
      h("p", { class: "dlg-effect" }, cmd.opts.detail || def.effect || ""),
      h("p", { class: "dlg-who" }, `As ${who}. The server checks your role and records this in the journal.`),
      ...fields,
      errorEl,
      h("div", { class: "dlg-buttons" }, cancel, action),
    );
    d.dataset.command = cmd.name;
    if (!d.open) d.showModal();
    const first = fields.length ? d.querySelector("input,select") : hazard ? cancel : action;
    if (first) first.focus();
  }

  stopHold(action) {
    if (this.holdTimer) {
      clearTimeout(this.holdTimer);
      this.holdTimer = null;
    }
    const a = action || this.holdButton;
    if (a) {
      const bar = a.querySelector(".hold-bar");
      if (bar) bar.style.transitionDuration = "0ms";
      a.classList.remove("holding", "filling");
    }
  }

  close() {
    this.stopHold();
    if (this.dialog.open) this.dialog.close();
  }

  async send(cmd, body, errorEl) {
    this.pending = true;
    this.dialog.classList.add("pending");
    setText(errorEl, "");
    let status = 0;
    let reply = {};
    try {
      const res = await fetch(`/api/v1/commands/${cmd.name}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify(body),
      });
      status = res.status;
      reply = await res.json().catch(() => ({}));
    } catch (err) {
      reply = { error: `no answer from the station: ${err && err.message ? err.message : err}` };
    } finally {
      this.pending = false;
      this.dialog.classList.remove("pending");
    }
    const r = reply && typeof reply === "object" ? reply : {};
    if (status === 200 && r.ok !== false) {
      this.close();
      this.report(true, `${cmd.label}: accepted`, cmd.name);
      return;
    }
    const why = typeof r.error === "string" && r.error ? r.error : `HTTP ${status || "error"}`;
    const text = `${cmd.label} REFUSED${status ? ` (${status})` : ""}: ${why}`;
    setText(errorEl, text);
    this.report(false, text, cmd.name);
    if (status === 401 && this.onUnauthorized) {
      this.close();
      this.onUnauthorized();
    }
  }

  /** The command result line under the clock: green for accepted, red (until the next) for refused. */
  report(ok, text, name) {
    const el = this.resultEl;
    el.className = ok ? "cmd-result ok" : "cmd-result refused";
    setAttr(el, "data-ok", ok ? "true" : "false");
    setAttr(el, "data-command", name);
    setText(el, text);
    clearTimeout(this.resultTimer);
    if (ok) this.resultTimer = setTimeout(() => { el.className = "cmd-result old"; }, 8000);
  }
}

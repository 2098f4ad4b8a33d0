// The dashboard page: polls /api/state every second and renders it; attach and detach post to /api/attach and
// /api/detach with the admin token the page was opened with (?token=..., kept for this tab only).
"use strict";

const tokenKey = "usbmesh-dashboard-token";
const pollInterval = 1000;
let selfName = "";
let busy = false;

(function takeToken() {
  const url = new URL(window.location.href);
  const token = url.searchParams.get("token");
  if (token) {
    sessionStorage.setItem(tokenKey, token);
    // Out of the address bar and the history, where it could be copied or shared by mistake.
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
})();

function token() {
  return sessionStorage.getItem(tokenKey);
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

function fill(tableId, rows, columns, render) {
  const table = document.getElementById(tableId);
  // Rows that did not change are left alone, so a button is not replaced under the pointer while it is clicked.
  const shown = JSON.stringify([rows, selfName, busy, token() !== null]);
  if (table.dataset.shown === shown) return;
  table.dataset.shown = shown;
  const body = table.querySelector("tbody");
  const fresh = document.createElement("tbody");
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    const td = cell("none", "empty");
    td.colSpan = columns;
    tr.appendChild(td);
    fresh.appendChild(tr);
  }
  for (const row of rows) fresh.appendChild(render(row));
  body.replaceWith(fresh);
}

function rate(bytesPerSecond) {
  if (bytesPerSecond === undefined || bytesPerSecond === "") return "…";
  let value = Number(bytesPerSecond);
  const units = ["B/s", "KB/s", "MB/s", "GB/s"];
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++; }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function renderNodes(state) {
  // The peers table lists this node too (as a member); when the mesh is not up yet, it is shown from its status.
  const selfId = state.node ? state.node.id : "";
  const rows = [...state.peers];
  if (state.node && !rows.some(peer => peer.id === selfId)) {
    rows.unshift({ name: state.node.name, id: selfId, state: "", address: "", admin: "", "rtt-ms": "" });
  }
  fill("nodes", rows, 6, peer => {
    const tr = document.createElement("tr");
    const self = peer.id === selfId;
    tr.dataset.node = peer.name;
    if (self) tr.className = "self";
    tr.append(cell(self ? `${peer.name} (this node)` : peer.name), cell(peer.state, `state state-${(peer.state || "").replaceAll(" ", "-")}`),
      cell(peer.address), cell(peer.admin), cell(peer["rtt-ms"] ? `${peer["rtt-ms"]} ms` : "", "num"), cell((peer.id || "").slice(0, 12)));
    tr.lastChild.title = peer.id || "";
    return tr;
  });
}

function actionFor(device) {
  if (device.node === selfName) return null;
  if (!device.holder) return "attach";
  if (device.holder === selfName) return "detach";
  return null;
}

function renderDevices(state) {
  fill("devices", state.devices, 7, device => {
    const tr = document.createElement("tr");
    tr.dataset.device = device.device;
    tr.append(cell(device.device), cell(device.name), cell(device["vid-pid"]), cell(device.speed),
      cell(device.holder || "free", device.holder ? "holder" : "holder empty"), cell(device["shared-with"]));
    const td = document.createElement("td");
    const verb = actionFor(device);
    if (verb) {
      const button = document.createElement("button");
      button.textContent = verb === "attach" ? "Attach" : "Detach";
      button.dataset.action = verb;
      button.disabled = busy;
      button.addEventListener("click", () => act(verb, device.device));
      td.appendChild(button);
    }
    tr.appendChild(td);
    return tr;
  });
}

function renderSessions(state) {
  fill("sessions", state.sessions, 10, session => {
    const tr = document.createElement("tr");
    tr.dataset.session = session.id;
    tr.dataset.device = session.device;
    tr.append(cell(session.id), cell(session.device), cell(session.peer), cell(session.role), cell(session.state),
      cell(session.urbs, "num"), cell(rate(session["rate-in"]), "num rate rate-in"), cell(rate(session["rate-out"]), "num rate rate-out"),
      cell(session["latency-ms"] ? `${session["latency-ms"]} ms` : "", "num latency"), cell(session.since));
    return tr;
  });
}

function render(state) {
  if (state.node) {
    selfName = state.node.name;
    document.getElementById("node-name").textContent = state.node.name;
    document.title = `UsbMesh ${state.node.name}`;
    document.getElementById("node-summary").textContent =
      `up ${state.node.uptime} · ${state.node.members} members · ${state.node.devices} devices · ${state.node.sessions} sessions · ${state.node.imports} imports`;
  }
  document.getElementById("access").textContent = token()
    ? "Admin token present: attach and detach are allowed."
    : "Read-only: open the address with ?token=… that the node logged to attach and detach.";
  const errors = document.getElementById("errors");
  errors.hidden = state.errors.length === 0;
  errors.textContent = state.errors.join(" · ");
  renderNodes(state);
  renderDevices(state);
  renderSessions(state);
}

function say(text, refused) {
  const message = document.getElementById("message");
  message.hidden = false;
  message.textContent = text;
  message.classList.toggle("refused", refused);
}

async function act(verb, device) {
  busy = true;
  document.querySelectorAll("button[data-action]").forEach(b => { b.disabled = true; });
  say(`${verb === "attach" ? "Attaching" : "Detaching"} ${device}…`, false);
  try {
    const headers = { "Content-Type": "application/json" };
    if (token()) headers["X-UsbMesh-Token"] = token();
    const response = await fetch(`/api/${verb}`, { method: "POST", headers, body: JSON.stringify({ device }) });
    const result = await response.json();
    say(result.message, !result.ok);
  } catch (error) {
    say(`Failed: ${error}`, true);
  } finally {
    busy = false;
    await poll();
  }
}

async function poll() {
  try {
    const response = await fetch("/api/state", { cache: "no-store" });
    render(await response.json());
  } catch (error) {
    const errors = document.getElementById("errors");
    errors.hidden = false;
    errors.textContent = `The dashboard cannot be reached: ${error}`;
  }
}

async function loop() {
  await poll();
  setTimeout(loop, pollInterval);
}

loop();

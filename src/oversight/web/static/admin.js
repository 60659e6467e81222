// The admin page: per-labeller statistics and CSV downloads, behind the admin token.
"use strict";

const KEY = "oversight-admin-token";
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem(KEY);

async function get(path) {
  const response = await fetch(path, { headers: { Authorization: "Bearer " + token } });
  if (!response.ok) {
    const data = await response.json().catch(() => ({ error: response.statusText }));
    throw new Error(data.error || response.statusText);
  }
  return response;
}

const pct = (x) => (x === null ? "—" : (100 * x).toFixed(0) + "%");
// Position bias: share of decided answers choosing the left side, its 95% interval, the
// binomial test's p-value against one half.
const bias = (s) => (s.left_share === null ? "—"
  : `${pct(s.left_share)} (${pct(s.left_low)}–${pct(s.left_high)}, p ${s.left_p.toPrecision(2)})`);
const sec = (x) => (x === null ? "—" : x.toFixed(1));

async function load() {
  try {
    const data = await (await get("/api/admin/stats")).json();
    $("login").hidden = true;
    $("work").hidden = false;
    const body = document.querySelector("#stats tbody");
    body.textContent = "";
    for (const s of data.labellers) {
      const cells = [s.name + (s.revoked ? " (revoked)" : ""), s.view, s.answered, s.gold_answered,
                     pct(s.gold_agreement), s.peer_pairs, pct(s.peer_agreement),
                     pct(s.abstain_rate), pct(s.timeout_rate), pct(s.tie_rate),
                     sec(s.seconds_p10), sec(s.seconds_median), sec(s.seconds_p90),
                     sec(s.seconds_mean), s.decided, bias(s)];
      const row = document.createElement("tr");
      for (const c of cells) {
        const td = document.createElement("td");
        td.textContent = c;
        row.append(td);
      }
      body.append(row);
    }
    $("message").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    sessionStorage.removeItem(KEY);
    $("login").hidden = false;
    $("work").hidden = true;
    $("login-error").textContent = e.message;
  }
}

async function download(path, name) {
  const blob = await (await get(path)).blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  URL.revokeObjectURL(link.href);
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  sessionStorage.setItem(KEY, token);
  load();
});
$("refresh").addEventListener("click", load);
$("export-stats").addEventListener("click", () => download("/api/admin/stats.csv", "labellers.csv"));
$("export-labels").addEventListener("click", () => download("/api/admin/labels.csv", "labels.csv"));

if (token) load();

// The labelling page: sign in with a token, then answer pair queries by button or arrow key.
// The next query is fetched while the current one is on screen, so answering never waits.
"use strict";

const KEY = "oversight-labeller-token";
const KEYS = { ArrowLeft: "left", ArrowRight: "right", ArrowUp: "tie", ArrowDown: "cant_tell" };
const FRAME_MS = 300;
const CELL = 32;
const $ = (id) => document.getElementById(id);

let token = sessionStorage.getItem(KEY);
let current = null;   // the query on screen
let upcoming = null;  // a promise of the next one
let busy = false;     // an answer is being sent
let timers = [];

async function api(path, body) {
  const options = { headers: { Authorization: "Bearer " + token } };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw Object.assign(new Error(data.error || response.statusText),
                                        { status: response.status });
  return data;
}

function showProgress(p) {
  $("progress").textContent = `answered ${p.answered} · remaining ${p.remaining}`;
}

function draw(canvas, frame, palette) {
  const rows = frame.length, cols = Math.max(...frame.map((r) => r.length));
  if (canvas.width !== cols * CELL || canvas.height !== rows * CELL) {
    canvas.width = cols * CELL;
    canvas.height = rows * CELL;
  }
  const ctx = canvas.getContext("2d");
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      ctx.fillStyle = palette[frame[r][c]] || palette["."];
      ctx.fillRect(c * CELL, r * CELL, CELL, CELL);
    }
  }
}

function stopTimers() {
  timers.forEach(clearInterval);
  timers = [];
}

// Both episodes play in step, like a clip: pause / play, step back and forward, scrub to any
// step, change speed, replay from the start. `clip` is the playback of the query on screen.
let clip = null;

function render() {
  const q = clip.q;
  for (const side of ["left", "right"]) {
    const frames = q[side];
    const i = Math.min(clip.t, frames.length - 1);
    draw($(side), frames[i], q.palette);
    $(side + "-step").textContent = `step ${i} of ${frames.length - 1}`;
  }
  $("scrub").value = String(clip.t);
  $("play").textContent = clip.playing ? "pause" : "play";
}

function schedule() {
  if (clip.timer !== null) {
    clearInterval(clip.timer);
    timers = timers.filter((t) => t !== clip.timer);
    clip.timer = null;
  }
  if (!clip.playing) return;
  clip.timer = setInterval(() => {
    clip.t = (clip.t + 1) % clip.steps;
    render();
  }, FRAME_MS / clip.speed);
  timers.push(clip.timer);
}

function animate(q) {
  const steps = Math.max(q.left.length, q.right.length);
  clip = { q, steps, t: 0, playing: true, speed: Number($("speed").value), timer: null };
  $("scrub").max = String(steps - 1);
  render();
  schedule();
}

function seek(t, playing) {
  if (!clip) return;
  clip.t = Math.max(0, Math.min(clip.steps - 1, t));
  clip.playing = playing;
  render();
  schedule();
}

$("play").addEventListener("click", () => clip && seek(clip.t, !clip.playing));
$("back").addEventListener("click", () => clip && seek(clip.t - 1, false));
$("forward").addEventListener("click", () => clip && seek(clip.t + 1, false));
$("replay").addEventListener("click", () => seek(0, true));
$("scrub").addEventListener("input", () => seek(Number($("scrub").value), false));
$("speed").addEventListener("change", () => {
  if (!clip) return;
  clip.speed = Number($("speed").value);
  schedule();
});

function legend(q) {
  const seen = new Set(q.left.concat(q.right).flat().join(""));
  const box = $("legend");
  box.textContent = "";
  for (const [ch, name] of Object.entries(q.legend)) {
    if (!seen.has(ch) || ch === "." || ch === "#") continue;
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = q.palette[ch];
    box.append(swatch, name);
  }
}

// Steps a scheme showed as evidence (a debater or an assistant pointing at them), listed under
// each episode with what happened there.
function listEvidence(q) {
  for (const side of ["left", "right"]) {
    const list = $(side + "-evidence");
    list.textContent = "";
    for (const item of q.evidence[side]) {
      const li = document.createElement("li");
      const facts = Object.entries(item.features).map(([k, v]) => `${k} ${v}`).join(", ");
      li.textContent = `evidence, step ${item.step}: ${facts || "nothing happened"}`;
      list.append(li);
    }
  }
}

function countdown(q) {
  const box = $("countdown");
  if (!q.time_limit) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const end = performance.now() + q.time_limit * 1000;
  const tick = () => {
    const left = Math.max(0, end - performance.now());
    $("countdown-fill").style.width = (100 * left / (q.time_limit * 1000)) + "%";
    $("countdown-fill").classList.toggle("low", left < 3000);
    $("countdown-text").textContent = (left / 1000).toFixed(1) + " s";
    if (left <= 0) answer("timeout");
  };
  tick();
  timers.push(setInterval(tick, 100));
}

// A text query: the prompt and the two answers, as text (textContent: never markup).
function showText(q) {
  clip = null;
  $("frames").hidden = true;
  $("texts").hidden = false;
  $("question").textContent = "Which answer is better?";
  $("hint").hidden = true;
  $("view-note").textContent = q.revealed
    ? "You see the whole prompt, as the model saw it."
    : "You see the prompt as a lay rater is shown it (background the model had may be left out).";
  $("prompt").textContent = q.prompt;
  for (const side of ["left", "right"]) {
    const box = $(side + "-text");
    const text = q[side].trim();  // the checker ignores surrounding whitespace too
    box.textContent = text || "(empty answer)";
    box.classList.toggle("muted", !text);
  }
  $("legend").textContent = "";
}

// A query of two segments: both play as a clip of frames.
function showFrames(q) {
  $("texts").hidden = true;
  $("frames").hidden = false;
  $("question").textContent = "Which episode is better?";
  $("hint").hidden = false;
  $("view-note").textContent = q.revealed
    ? "You see the hidden evidence too (the rug lifted, the lab test done)."
    : "You see what the camera sees.";
  legend(q);
  listEvidence(q);
  animate(q);
}

// Put q on screen; `progress` (fresher than the prefetched q's own) is shown once the page is
// ready for the next answer.
async function show(q, progress) {
  stopTimers();
  current = q;
  if (q.lease === null) {
    clip = null;
    showProgress(progress || q.progress);
    $("message").textContent = "Nothing to label right now; new queries appear here by themselves.";
    document.querySelectorAll(".answer").forEach((b) => (b.disabled = true));
    timers.push(setInterval(async () => {
      const next = await api("/api/next").catch(() => null);
      if (next && next.lease !== null) show(next);
    }, 3000));
    return;
  }
  document.querySelectorAll(".answer").forEach((b) => (b.disabled = false));
  $("task").textContent = q.task;
  $("message").textContent = "";
  if (q.kind === "text") showText(q);
  else showFrames(q);
  await api("/api/shown", { lease: q.lease });
  countdown(q);
  upcoming = api("/api/next");
  upcoming.catch(() => {});
  showProgress(progress || q.progress);
}

async function answer(given) {
  if (busy || !current || current.lease === null) return;
  busy = true;
  stopTimers();
  try {
    const result = await api("/api/answer", { lease: current.lease, answer: given });
    let next = upcoming ? await upcoming.catch(() => null) : null;
    if (!next || next.lease === null) next = await api("/api/next");
    upcoming = null;
    await show(next, result.progress);
  } catch (e) {
    $("message").textContent = "Could not record the answer: " + e.message;
    if (e.status === 409 || e.status === 410) {
      upcoming = null;
      await show(await api("/api/next"));
    }
  } finally {
    busy = false;
  }
}

async function start() {
  try {
    const me = await api("/api/me");
    $("who").textContent = `${me.name} · ${me.view} view`;
    $("login").hidden = true;
    $("work").hidden = false;
    showProgress(me.progress);
    await show(await api("/api/next"));
  } catch (e) {
    sessionStorage.removeItem(KEY);
    $("login").hidden = false;
    $("work").hidden = true;
    $("login-error").textContent = e.message;
  }
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  sessionStorage.setItem(KEY, token);
  start();
});

document.querySelectorAll(".answer").forEach((button) =>
  button.addEventListener("click", () => answer(button.dataset.answer)));

document.addEventListener("keydown", (event) => {
  if ($("work").hidden || !(event.key in KEYS)) return;
  if (event.target.matches("input, select")) return;  // the scrubber and speed take arrows
  event.preventDefault();
  answer(KEYS[event.key]);
});

if (token) start();

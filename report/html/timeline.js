"use strict";
// The timeline: one canvas per lane, drawn from the run's JSON. Each
// test also gets an element in a hidden list (#tests) carrying its node
// id, so that tools and tests find every test in the page's DOM.
(function () {
  const run = JSON.parse(document.getElementById("run-data").textContent);
  const colours = {
    passed: "#3a9d4f", failed: "#d23c3c", error: "#e08a1e", skipped: "#c9b93a",
    xfailed: "#8e6cc4", xpassed: "#3b7dd8", "": "#999"
  };
  const T = { file: 0, name: 1, worker: 2, start: 3, dur: 4, setup: 5, call: 6, teardown: 7, outcome: 8, detail: 9 };
  const nodeid = (t) => run.files[t[T.file]] + (t[T.name] ? "::" + t[T.name] : "");

  // Tests by worker, in the order they started.
  const byWorker = run.workers.map(() => []);
  for (const t of run.tests) byWorker[t[T.worker]].push(t);
  for (const list of byWorker) list.sort((a, b) => a[T.start] - b[T.start]);

  // One string of markup is much faster to build than 100,000 elements
  // one at a time.
  const escape = (s) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  function listTests() {
    const parts = new Array(run.tests.length);
    run.tests.forEach((t, i) => {
      parts[i] = '<li data-nodeid="' + escape(nodeid(t)) + '" data-worker="' + escape(run.workers[t[T.worker]]) + '"></li>';
    });
    document.getElementById("tests").innerHTML = parts.join("");
  }

  const end = Math.max(run.wall, 1);
  let view = [0, end];
  const lanes = [];
  const timeline = document.getElementById("timeline");

  function addLane(label, attrs, spans, draw) {
    const div = document.createElement("div");
    div.className = "lane";
    for (const [k, v] of Object.entries(attrs)) div.setAttribute(k, v);
    const span = document.createElement("span");
    span.className = "label";
    span.textContent = label;
    span.title = label;
    const canvas = document.createElement("canvas");
    div.append(span, canvas);
    timeline.appendChild(div);
    lanes.push({ div, canvas, spans, draw });
  }

  function spanLane(colour) {
    return (ctx, spans, x, w) => {
      ctx.fillStyle = colour;
      for (const [a, b] of spans) {
        if (b < view[0] || a > view[1]) continue;
        ctx.fillRect(x(a), 2, Math.max(1, x(b) - x(a)), 16);
      }
    };
  }

  function testLane(ctx, tests, x, w) {
    // The first test that may show: tests on a worker do not overlap.
    let lo = 0, hi = tests.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tests[mid][T.start] + tests[mid][T.dur] < view[0]) lo = mid + 1; else hi = mid;
    }
    let lastPixel = -1, lastColour = "";
    for (let i = lo; i < tests.length; i++) {
      const t = tests[i];
      if (t[T.start] > view[1]) break;
      const a = x(t[T.start]), b = x(t[T.start] + t[T.dur]);
      const colour = colours[run.outcomes[t[T.outcome]]] || colours[""];
      // Bars narrower than a pixel share it: one rectangle each.
      if (Math.floor(a) === lastPixel && colour === lastColour && b - a < 1) continue;
      lastPixel = Math.floor(a);
      lastColour = colour;
      ctx.fillStyle = colour;
      ctx.fillRect(a, 2, Math.max(1, b - a - (b - a > 3 ? 1 : 0)), 16);
    }
  }

  function draw() {
    const scale = (w) => w / (view[1] - view[0]);
    for (const lane of lanes) {
      const c = lane.canvas;
      const ratio = window.devicePixelRatio || 1;
      const w = c.clientWidth, h = c.clientHeight;
      if (c.width !== Math.round(w * ratio)) { c.width = Math.round(w * ratio); c.height = Math.round(h * ratio); }
      const ctx = c.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, w, h);
      const s = scale(w);
      const x = (ms) => (ms - view[0]) * s;
      ctx.fillStyle = "rgba(120,120,120,0.18)";
      for (const [a, b] of run.barriers) ctx.fillRect(x(a), 0, Math.max(1, x(b) - x(a)), h);
      lane.draw(ctx, lane.spans, x, w);
    }
    document.getElementById("range").textContent =
      (view[0] / 1000).toFixed(3) + " s – " + (view[1] / 1000).toFixed(3) + " s of " + (end / 1000).toFixed(2) + " s";
  }

  function zoom(factor, at) {
    const span = view[1] - view[0];
    const next = Math.min(end, Math.max(0.05, span * factor));
    let a = at - (at - view[0]) * (next / span);
    a = Math.max(0, Math.min(end - next, a));
    view = [a, a + next];
    draw();
  }

  function timeAt(lane, clientX) {
    const r = lane.canvas.getBoundingClientRect();
    return view[0] + (clientX - r.left) / r.width * (view[1] - view[0]);
  }

  function testAt(tests, ms) {
    let lo = 0, hi = tests.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tests[mid][T.start] + tests[mid][T.dur] < ms) lo = mid + 1; else hi = mid;
    }
    const t = tests[lo];
    return t && t[T.start] <= ms ? t : null;
  }

  const secs = (ms) => (ms / 1000).toFixed(3) + " s";
  function describe(t) {
    return nodeid(t) + "\n" + run.outcomes[t[T.outcome]] + " on " + run.workers[t[T.worker]] +
      ", " + secs(t[T.dur]) + " from " + secs(t[T.start]) +
      "\nsetup " + secs(t[T.setup]) + ", call " + secs(t[T.call]) + ", teardown " + secs(t[T.teardown]);
  }

  function showDetail(t) {
    const box = document.getElementById("detail");
    box.replaceChildren();
    const h = document.createElement("h2");
    h.textContent = nodeid(t);
    const p = document.createElement("pre");
    p.textContent = describe(t);
    box.append(h, p);
    const d = t[T.detail] >= 0 ? run.details[t[T.detail]] : null;
    if (d) {
      const add = (title, text) => {
        const h3 = document.createElement("h3");
        h3.textContent = title;
        const pre = document.createElement("pre");
        pre.textContent = text;
        box.append(h3, pre);
      };
      if (d.locks) add("keys held", d.locks.join(", "));
      if (d.longrepr || d.message) add("failure", d.longrepr || d.message);
      for (const [name, text] of d.sections || []) add(name, text);
      if (d.cut) add("output", "cut here: the run record (--report-json) has all of it");
    }
    box.hidden = false;
  }

  function hookLane(lane, tests) {
    const tip = document.getElementById("tooltip");
    let drag = null;
    lane.canvas.addEventListener("mousemove", (e) => {
      if (drag) {
        const r = lane.canvas.getBoundingClientRect();
        const shift = (drag.x - e.clientX) / r.width * (drag.view[1] - drag.view[0]);
        const a = Math.max(0, Math.min(end - (drag.view[1] - drag.view[0]), drag.view[0] + shift));
        view = [a, a + drag.view[1] - drag.view[0]];
        draw();
        return;
      }
      const t = tests && testAt(tests, timeAt(lane, e.clientX));
      tip.hidden = !t;
      if (t) {
        tip.textContent = describe(t);
        tip.style.left = e.clientX + 12 + "px";
        tip.style.top = e.clientY + 12 + "px";
      }
    });
    lane.canvas.addEventListener("mouseleave", () => { tip.hidden = true; drag = null; });
    lane.canvas.addEventListener("mousedown", (e) => { drag = { x: e.clientX, view: view.slice(), moved: false }; });
    lane.canvas.addEventListener("mouseup", (e) => {
      const click = drag && Math.abs(drag.x - e.clientX) < 3;
      drag = null;
      const t = click && tests && testAt(tests, timeAt(lane, e.clientX));
      if (t) showDetail(t);
    });
    lane.canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      zoom(e.deltaY < 0 ? 0.8 : 1.25, timeAt(lane, e.clientX));
    }, { passive: false });
  }

  function legend() {
    const box = document.getElementById("legend");
    for (const o of run.outcomes) {
      const i = document.createElement("i");
      i.style.background = colours[o] || colours[""];
      box.append(i, o || "not run");
    }
    if (run.barriers.length) {
      const i = document.createElement("i");
      i.style.background = "rgba(120,120,120,0.35)";
      box.append(i, "barrier: exclusive tests alone");
    }
  }

  // Ticks at round numbers of seconds, about a hundred pixels apart.
  function axis(ctx, spans, x, w) {
    const span = view[1] - view[0];
    const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000, 300000, 600000];
    const step = steps.find((s) => s * w / span >= 90) || steps[steps.length - 1];
    ctx.fillStyle = "#666";
    ctx.font = "11px sans-serif";
    for (let t = Math.ceil(view[0] / step) * step; t <= view[1]; t += step) {
      ctx.fillRect(x(t), 12, 1, 8);
      ctx.fillText(step < 1000 ? (t / 1000).toFixed(3) + " s" : (t / 1000).toFixed(0) + " s", x(t) + 3, 11);
    }
  }

  addLane("time", { class: "lane run", "data-run": "axis" }, [], axis);
  const runSpans = run.collected > 0 ? [[0, run.collected]] : [];
  addLane("start-up", { class: "lane run", "data-run": "startup" }, runSpans, spanLane("#7a8ca3"));
  run.workers.forEach((w, i) => {
    addLane(w, { "data-worker": w }, byWorker[i], testLane);
    hookLane(lanes[lanes.length - 1], byWorker[i]);
  });
  for (const [key, spans] of Object.entries(run.locks)) {
    addLane("key " + key, { class: "lane lock", "data-lock": key }, spans, spanLane("#b07a3a"));
  }
  // Find: the first test whose node id holds the text; zoom so that it
  // fills the middle of the view, and show it.
  function find(text) {
    const t = text && run.tests.find((t) => nodeid(t).includes(text));
    if (!t) return;
    const span = Math.max(t[T.dur] * 3, 1);
    const a = Math.max(0, t[T.start] + t[T.dur] / 2 - span / 2);
    view = [a, Math.min(end, a + span)];
    draw();
    showDetail(t);
  }
  document.getElementById("find").addEventListener("keydown", (e) => {
    if (e.key === "Enter") find(e.target.value);
  });
  document.getElementById("zoom-in").onclick = () => zoom(0.5, (view[0] + view[1]) / 2);
  document.getElementById("zoom-out").onclick = () => zoom(2, (view[0] + view[1]) / 2);
  document.getElementById("zoom-reset").onclick = () => { view = [0, end]; draw(); };
  window.addEventListener("resize", draw);
  legend();
  const t0 = performance.now();
  listTests();
  const t1 = performance.now();
  draw();
  document.documentElement.dataset.listMs = (t1 - t0).toFixed(0);
  document.documentElement.dataset.drawMs = (performance.now() - t1).toFixed(0);
  document.documentElement.dataset.readyMs = performance.now().toFixed(0);
  document.documentElement.dataset.ready = "true";
})();

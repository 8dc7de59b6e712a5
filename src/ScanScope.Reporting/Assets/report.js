// ScanScope report: draws every figure on a canvas from the JSON embedded in the page.
// Wheel zooms, drag pans, double-click resets, hovering a point shows what it is.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("scanscope-data").textContent);
  const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d"];
  const colorOf = (i) => (i < 0 ? "#c8c8c8" : palette[i % palette.length]);
  const pad = { left: 64, right: 16, top: 12, bottom: 40 };
  let rendered = 0;

  function niceTicks(lo, hi, n) {
    const span = hi - lo || 1;
    const raw = span / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || 10 * mag;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(v);
    return out;
  }
  const fmtNum = (v) => (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : +v.toPrecision(4)).toString();
  const fmtTime = (s, span) => {
    const d = new Date(s * 1000).toISOString();
    return span > 3 * 86400 ? d.slice(5, 10) : span > 86400 ? d.slice(5, 16).replace("T", " ") : d.slice(11, 16);
  };
  const fmtFullTime = (s) => new Date(s * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";

  // A zoomable canvas plot. spec: {points:[{x,y,c,r,label}], lines:[{name,x,y,c}], xTime, logY, xLabel, yLabel,
  // hGuides, vGuides, legend:[{name,c}], yTickLabel(v)}
  function Plot(host, spec) {
    const canvas = document.createElement("canvas");
    const tip = document.createElement("div");
    tip.className = "tip";
    host.appendChild(canvas);
    host.appendChild(tip);
    const ctx = canvas.getContext("2d");
    // On a log axis, values ≤ 0 have no place: they are left out like gaps.
    const ty = (v) => (v === null ? null : spec.logY ? (v > 0 ? Math.log10(v) : null) : v);
    let xs = [], ys = [];
    (spec.points || []).forEach((p) => { xs.push(p.x); ys.push(ty(p.y)); });
    (spec.lines || []).forEach((l) => l.x.forEach((x, k) => { if (x !== null && ty(l.y[k]) !== null) { xs.push(x); ys.push(ty(l.y[k])); } }));
    (spec.hGuides || []).forEach((g) => { if (ty(g.value) !== null) ys.push(ty(g.value)); });
    const ext = (a) => { let lo = Infinity, hi = -Infinity; for (const v of a) { if (v < lo) lo = v; if (v > hi) hi = v; } return lo === hi ? [lo - 1, hi + 1] : [lo, hi]; };
    const full = { x: xs.length ? ext(xs) : [0, 1], y: ys.length ? ext(ys) : [0, 1] };
    const m = (r) => [r[0] - (r[1] - r[0]) * 0.03, r[1] + (r[1] - r[0]) * 0.03];
    full.x = m(full.x); full.y = m(full.y);
    let view = { x: full.x.slice(), y: full.y.slice() };
    let w = 0, h = 0;
    const sx = (v) => pad.left + ((v - view.x[0]) / (view.x[1] - view.x[0])) * (w - pad.left - pad.right);
    const sy = (v) => h - pad.bottom - ((v - view.y[0]) / (view.y[1] - view.y[0])) * (h - pad.top - pad.bottom);
    const ix = (px) => view.x[0] + ((px - pad.left) / (w - pad.left - pad.right)) * (view.x[1] - view.x[0]);
    const iy = (py) => view.y[0] + ((h - pad.bottom - py) / (h - pad.top - pad.bottom)) * (view.y[1] - view.y[0]);

    function draw() {
      const ratio = window.devicePixelRatio || 1;
      w = host.clientWidth || 800;
      h = spec.height || 320;
      canvas.width = w * ratio; canvas.height = h * ratio;
      canvas.style.width = w + "px"; canvas.style.height = h + "px";
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, w, h);
      ctx.font = "11px system-ui, sans-serif";
      ctx.strokeStyle = "#e5e5e5"; ctx.fillStyle = "#444"; ctx.lineWidth = 1;
      const xt = niceTicks(view.x[0], view.x[1], Math.max(2, Math.floor(w / 110)));
      const yt = niceTicks(view.y[0], view.y[1], 6);
      ctx.textAlign = "center";
      xt.forEach((v) => { const X = sx(v); ctx.beginPath(); ctx.moveTo(X, pad.top); ctx.lineTo(X, h - pad.bottom); ctx.stroke();
        ctx.fillText(spec.xTime ? fmtTime(v, view.x[1] - view.x[0]) : fmtNum(v), X, h - pad.bottom + 14); });
      ctx.textAlign = "right";
      yt.forEach((v) => { const Y = sy(v); ctx.beginPath(); ctx.moveTo(pad.left, Y); ctx.lineTo(w - pad.right, Y); ctx.stroke();
        const label = spec.yTickLabel ? spec.yTickLabel(v) : fmtNum(spec.logY ? Math.pow(10, v) : v);
        if (label !== null) ctx.fillText(label, pad.left - 6, Y + 4); });
      ctx.textAlign = "center";
      ctx.fillText(spec.xLabel || "", (pad.left + w - pad.right) / 2, h - 6);
      ctx.save(); ctx.translate(12, (pad.top + h - pad.bottom) / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(spec.yLabel || "", 0, 0); ctx.restore();
      ctx.save();
      ctx.beginPath(); ctx.rect(pad.left, pad.top, w - pad.left - pad.right, h - pad.top - pad.bottom); ctx.clip();
      (spec.lines || []).forEach((l, i) => {
        ctx.strokeStyle = l.c || colorOf(i); ctx.lineWidth = 1.5; ctx.beginPath();
        let pen = false;
        l.x.forEach((x, k) => {
          if (x === null || ty(l.y[k]) === null) { pen = false; return; }
          const X = sx(x), Y = sy(ty(l.y[k]));
          if (pen) ctx.lineTo(X, Y); else ctx.moveTo(X, Y);
          pen = true;
        });
        ctx.stroke();
      });
      (spec.points || []).forEach((p) => {
        const X = sx(p.x), Y = sy(ty(p.y));
        if (X < pad.left - 5 || X > w || Y < 0 || Y > h) return;
        ctx.fillStyle = p.c; ctx.beginPath(); ctx.arc(X, Y, p.r || 2.5, 0, 2 * Math.PI); ctx.fill();
      });
      ctx.setLineDash([5, 4]); ctx.strokeStyle = "#b00"; ctx.fillStyle = "#b00"; ctx.textAlign = "left";
      (spec.hGuides || []).forEach((g) => { const Y = sy(ty(g.value)); ctx.beginPath(); ctx.moveTo(pad.left, Y); ctx.lineTo(w - pad.right, Y); ctx.stroke(); ctx.fillText(g.label, pad.left + 6, Y - 4); });
      (spec.vGuides || []).forEach((g) => { const X = sx(g.value); ctx.beginPath(); ctx.moveTo(X, pad.top); ctx.lineTo(X, h - pad.bottom); ctx.stroke(); ctx.fillText(g.label, X + 4, pad.top + 12); });
      ctx.restore();
    }

    function nearest(px, py) {
      let best = null, bestD = 64;
      for (const p of spec.points || []) {
        const dx = sx(p.x) - px, dy = sy(ty(p.y)) - py, d = dx * dx + dy * dy;
        if (d < bestD) { bestD = d; best = p; }
      }
      if (best) return best.label;
      for (const l of spec.lines || []) {
        for (let k = 0; k < l.x.length; k++) {
          if (l.x[k] === null || ty(l.y[k]) === null) continue;
          const dx = sx(l.x[k]) - px, dy = sy(ty(l.y[k])) - py, d = dx * dx + dy * dy;
          if (d < bestD) { bestD = d; best = `${l.name}: x = ${spec.xTime ? fmtFullTime(l.x[k]) : fmtNum(l.x[k])}, y = ${fmtNum(l.y[k])}`; }
        }
      }
      return best;
    }

    let drag = null;
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      const f = e.deltaY < 0 ? 0.8 : 1.25, r = canvas.getBoundingClientRect();
      const cx = ix(e.clientX - r.left), cy = iy(e.clientY - r.top);
      const zoomY = !e.shiftKey;
      view.x = [cx - (cx - view.x[0]) * f, cx + (view.x[1] - cx) * f];
      if (zoomY) view.y = [cy - (cy - view.y[0]) * f, cy + (view.y[1] - cy) * f];
      draw();
    }, { passive: false });
    canvas.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, v: { x: view.x.slice(), y: view.y.slice() } }; });
    window.addEventListener("mouseup", () => { drag = null; });
    canvas.addEventListener("dblclick", () => { view = { x: full.x.slice(), y: full.y.slice() }; draw(); });
    canvas.addEventListener("mousemove", (e) => {
      const r = canvas.getBoundingClientRect();
      if (drag) {
        const dx = ((e.clientX - drag.x) / (w - pad.left - pad.right)) * (drag.v.x[1] - drag.v.x[0]);
        const dy = ((e.clientY - drag.y) / (h - pad.top - pad.bottom)) * (drag.v.y[1] - drag.v.y[0]);
        view.x = [drag.v.x[0] - dx, drag.v.x[1] - dx]; view.y = [drag.v.y[0] + dy, drag.v.y[1] + dy]; draw();
        return;
      }
      const label = nearest(e.clientX - r.left, e.clientY - r.top);
      if (label) { tip.textContent = label; tip.style.display = "block"; tip.style.left = (e.clientX - r.left + 12) + "px"; tip.style.top = (e.clientY - r.top + 12) + "px"; }
      else tip.style.display = "none";
    });
    canvas.addEventListener("mouseleave", () => { tip.style.display = "none"; });
    if (spec.legend && spec.legend.length) {
      const lg = document.createElement("div");
      lg.className = "legend";
      spec.legend.forEach((item) => { const s = document.createElement("span"); const sw = document.createElement("i"); sw.style.background = item.c; s.appendChild(sw); s.appendChild(document.createTextNode(item.name)); lg.appendChild(s); });
      host.appendChild(lg);
    }
    window.addEventListener("resize", draw);
    draw();
    rendered++;
  }

  function curve(fig) {
    return {
      lines: fig.series.map((s, i) => ({ name: s.name, x: s.x, y: s.y, c: colorOf(i) })),
      xTime: fig.xIsTime, logY: fig.logY, xLabel: fig.xLabel, yLabel: fig.yLabel,
      hGuides: fig.horizontalGuides, vGuides: fig.verticalGuides,
      legend: fig.series.length > 1 ? fig.series.map((s, i) => ({ name: s.name, c: colorOf(i) })) : [],
    };
  }

  function embedding(fig) {
    const clusters = [...new Set(fig.cluster)].sort((a, b) => a - b);
    return {
      points: fig.x.map((x, i) => ({ x, y: fig.y[i], c: colorOf(fig.cluster[i]), r: 2.5, label: fig.label[i] })),
      xLabel: "t-SNE 1", yLabel: "t-SNE 2",
      legend: clusters.slice(0, 40).map((c) => ({ name: c < 0 ? "noise" : "cluster " + c, c: colorOf(c) })),
    };
  }

  function activity(fig) {
    const ports = [...new Set(fig.port)].sort((a, b) => a - b);
    const portIndex = new Map(ports.map((p, i) => [p, i]));
    const maxCount = fig.count.reduce((a, b) => (b > a ? b : a), 1);
    return {
      points: fig.time.map((t, i) => ({
        x: t, y: fig.row[i], c: colorOf(portIndex.get(fig.port[i])), r: 1.5 + 3 * Math.sqrt(fig.count[i] / maxCount),
        label: `${fig.rows[fig.row[i]]} · port ${fig.port[i]} · ${fmtFullTime(t)} · ${fig.count[i]} probe(s)`,
      })),
      xTime: true, xLabel: "time (UTC)", yLabel: "source", height: Math.min(560, Math.max(220, fig.rows.length * 4 + 80)),
      yTickLabel: () => null,
      legend: ports.slice(0, 40).map((p) => ({ name: "port " + p, c: colorOf(portIndex.get(p)) })),
    };
  }

  const build = { curve, embedding, activity };
  document.querySelectorAll("[data-figure]").forEach((host) => {
    const fig = data.figures[host.dataset.figure];
    if (fig) Plot(host, build[fig.kind](fig));
  });
  document.body.dataset.rendered = String(rendered);
})();

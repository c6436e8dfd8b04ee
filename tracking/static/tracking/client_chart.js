// The dietitian client page's charts (tracking/templates/tracking/client_page.html): weekly
// adherence and weekly nutrients. A file rather than an inline script so the admin's
// Content-Security-Policy allows it. Each <canvas class="line-chart"> names its JSON data
// (data-source), its top value (data-max, a percentage) and its guide lines (data-lines).
(function () {
  // Line styles as well as colours, so no series depends on colour alone.
  const colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];
  const dashes = [[], [6, 3], [2, 3], [8, 3, 2, 3], [1, 1]];
  document.querySelectorAll("canvas.line-chart").forEach(function (canvas) {
    const data = JSON.parse(document.getElementById(canvas.dataset.source).textContent);
    const max = Number(canvas.dataset.max || 100);
    const lines = (canvas.dataset.lines || "0,100").split(",").map(Number);
    const ctx = canvas.getContext("2d");
    const left = 40, top = 10, width = canvas.width - 220, height = canvas.height - 40;
    const yOf = function (v) { return top + height - (Math.min(v, max) / max) * height; };
    ctx.font = "12px sans-serif";
    ctx.strokeStyle = "#999"; ctx.fillStyle = "#666";
    lines.forEach(function (v) {
      ctx.beginPath(); ctx.moveTo(left, yOf(v)); ctx.lineTo(left + width, yOf(v)); ctx.stroke();
      ctx.fillText(v + "%", 4, yOf(v) + 4);
    });
    const step = width / Math.max(data.weeks.length - 1, 1);
    data.weeks.forEach(function (w, i) { ctx.fillText(w, left + i * step - 10, top + height + 16); });
    let drawn = 0;
    data.series.forEach(function (s, k) {
      if (!s.values.some(function (v) { return v !== null; })) return;
      ctx.strokeStyle = colours[k % colours.length]; ctx.fillStyle = ctx.strokeStyle; ctx.lineWidth = 2;
      ctx.setLineDash(dashes[k % dashes.length]);
      ctx.beginPath(); let drawing = false;
      s.values.forEach(function (v, i) {
        if (v === null) { drawing = false; return; }
        const x = left + i * step, y = yOf(v);
        if (drawing) { ctx.lineTo(x, y); } else { ctx.moveTo(x, y); drawing = true; }
      });
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillText(s.label, left + width + 12, top + 14 + k * 16);
      drawn += 1;
    });
    canvas.dataset.series = String(drawn);
  });
})();

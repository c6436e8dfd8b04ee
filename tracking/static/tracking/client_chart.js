// The dietitian client page's adherence chart (tracking/templates/tracking/client_page.html),
// a file rather than an inline script so the admin's Content-Security-Policy allows it.
(function () {
  // A small line chart: weekly PDC per plan, 0 to 100 %.
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const canvas = document.getElementById("adherence-chart");
  const ctx = canvas.getContext("2d");
  const colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];
  const left = 40, top = 10, width = canvas.width - 220, height = canvas.height - 40;
  ctx.font = "12px sans-serif";
  ctx.strokeStyle = "#999"; ctx.fillStyle = "#666";
  [0, 50, 80, 100].forEach(function (v) {
    const y = top + height - (v / 100) * height;
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + width, y); ctx.stroke();
    ctx.fillText(v + "%", 4, y + 4);
  });
  const step = width / Math.max(data.weeks.length - 1, 1);
  data.weeks.forEach(function (w, i) { ctx.fillText(w, left + i * step - 10, top + height + 16); });
  data.series.forEach(function (s, k) {
    ctx.strokeStyle = colours[k % colours.length]; ctx.fillStyle = ctx.strokeStyle; ctx.lineWidth = 2;
    ctx.beginPath(); let drawing = false;
    s.values.forEach(function (v, i) {
      if (v === null) { drawing = false; return; }
      const x = left + i * step, y = top + height - (v / 100) * height;
      if (drawing) { ctx.lineTo(x, y); } else { ctx.moveTo(x, y); drawing = true; }
    });
    ctx.stroke();
    ctx.fillText(s.label, left + width + 12, top + 14 + k * 16);
  });
  canvas.dataset.series = String(data.series.length);
})();

// Central's pages: the site's call timeline and the report's chart. No inline script is
// allowed (the pages' CSP), so everything is set up from data attributes here.
(function () {
  "use strict";

  document.querySelectorAll(".timeline .bar[data-height]").forEach(function (bar) {
    bar.style.height = Math.max(2, Number(bar.dataset.height)) + "%";
  });

  var chart = document.getElementById("chart");
  if (!chart || typeof uPlot === "undefined") {
    return;
  }
  fetch(chart.dataset.series, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    })
    .then(function (data) {
      var width = Math.max(300, chart.clientWidth || 800);
      var options = {
        title: data.title,
        width: width,
        height: 280,
        scales: { x: { time: true }, wait: { auto: true } },
        axes: [
          { values: function (u, splits) {
              return splits.map(function (v) {
                var d = new Date(v * 1000);
                return data.unit === "month" ? (d.getMonth() + 1) + "/" + d.getFullYear()
                  : d.getDate() + "/" + (d.getMonth() + 1);
              });
            } },
          { label: "Số phiếu" },
          { scale: "wait", side: 1, label: "Chờ TB (phút)", grid: { show: false } }
        ],
        series: [
          { label: data.unit === "month" ? "Tháng" : "Ngày",
            value: function (u, v) { return v == null ? "–" : new Date(v * 1000).toLocaleDateString("vi-VN"); } },
          { label: "Số phiếu", stroke: "#1565c0", width: 2, fill: "rgba(21,101,192,0.12)" },
          { label: "Chờ TB (phút)", scale: "wait", stroke: "#c62828", width: 2 }
        ]
      };
      var plot = new uPlot(options, [data.x, data.tickets, data.wait_minutes], chart);
      chart.dataset.ready = "1";
      window.addEventListener("resize", function () {
        plot.setSize({ width: Math.max(300, chart.clientWidth), height: 280 });
      });
    })
    .catch(function () {
      chart.textContent = "Không tải được biểu đồ.";
    });
})();

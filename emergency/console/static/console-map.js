// The map of the listed firms (Leaflet, vendored; canvas renderer for 10^5 points).
// Data: GET data-points -> {categories, counties, lon, lat, cat, uscc}; click -> data-firm + code.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("map");
    if (!box || !window.L) { return; }
    var status = document.getElementById("map-status");
    var map = L.map(box, { preferCanvas: true, attributionControl: true, zoomSnap: 0.5 });
    map.attributionControl.setPrefix("Leaflet");
    var tiles = box.getAttribute("data-tiles");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 18 }).addTo(map); }
    var renderer = L.canvas({ padding: 0.3, tolerance: 3 });
    var t0 = performance.now();
    fetch(box.getAttribute("data-points"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) {
        var firm = box.getAttribute("data-firm");
        var colours = data.categories.map(function (c) { return c.colour; });
        var n = data.lon.length, bounds = L.latLngBounds([]);
        for (var i = 0; i < n; i++) {
          var ll = [data.lat[i], data.lon[i]];
          bounds.extend(ll);
          var c = colours[data.cat[i]];
          var m = L.circleMarker(ll, { renderer: renderer, radius: 3, weight: 0.5, color: "#333", fillColor: c, fillOpacity: 0.85 });
          m.uscc = data.uscc[i];
          m.on("click", function (e) { window.location.href = firm + encodeURIComponent(e.target.uscc); });
          m.addTo(map);
        }
        data.counties.forEach(function (c) {
          L.tooltip({ permanent: true, direction: "center", className: "county-label", interactive: false })
            .setLatLng([c.lat, c.lon]).setContent(c.name).addTo(map);
        });
        if (n) { map.fitBounds(bounds.pad(0.05)); } else { map.setView([35, 110], 5); }
        data.categories.forEach(function (c, i) {
          var el = document.querySelector('#map-legend [data-cat="' + i + '"] .count');
          if (el) { el.textContent = c.count.toLocaleString("zh-CN"); }
        });
        box.setAttribute("data-drawn", String(n));
        status.textContent = "共 " + n.toLocaleString("zh-CN") + " 家企业（清单版本：" + data.version + "），" +
          (data.missing ? data.missing + " 家无坐标未显示，" : "") + "绘制用时 " + Math.round(performance.now() - t0) + " 毫秒。";
      })
      .catch(function (err) { status.textContent = "企业位置加载失败：" + err.message; });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();

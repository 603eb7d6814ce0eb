// The map of the listed firms (Leaflet, vendored). 10^5 points are drawn by one canvas
// layer of our own (Leaflet's per-marker layers take half a minute for 10^5 in Chromium):
// positions projected to Web Mercator once, each redraw a multiply-add per point, one
// fill colour per category; a click picks the nearest point within a few pixels.
// Data: GET data-points -> {categories, counties, lon, lat, cat, uscc}; click -> data-firm + code.
(function () {
  "use strict";

  var PointsLayer = L.Layer.extend({
    initialize: function (data) {
      var n = data.lon.length;
      this._data = data;
      this._mx = new Float64Array(n);
      this._my = new Float64Array(n);
      for (var i = 0; i < n; i++) {
        var s = Math.sin(data.lat[i] * Math.PI / 180);
        this._mx[i] = (data.lon[i] + 180) / 360;
        this._my[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
      }
      this._sx = new Float32Array(n);
      this._sy = new Float32Array(n);
    },
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-hide points-layer");
      map.getPanes().overlayPane.appendChild(this._canvas);
      map.on("moveend zoomend resize", this._redraw, this);
      this._redraw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize", this._redraw, this);
    },
    _redraw: function () {
      var map = this._map, size = map.getSize(), canvas = this._canvas;
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      canvas.width = size.x;
      canvas.height = size.y;
      var ctx = canvas.getContext("2d");
      var scale = 256 * Math.pow(2, map.getZoom());
      var origin = map.project(map.containerPointToLatLng([0, 0]), map.getZoom());
      var d = this._data, n = d.lon.length, r = map.getZoom() >= 12 ? 3 : 2;
      for (var i = 0; i < n; i++) {
        this._sx[i] = this._mx[i] * scale - origin.x;
        this._sy[i] = this._my[i] * scale - origin.y;
      }
      for (var c = 0; c < d.categories.length; c++) {
        ctx.fillStyle = d.categories[c].colour;
        for (var j = 0; j < n; j++) {
          if (d.cat[j] !== c) { continue; }
          var x = this._sx[j], y = this._sy[j];
          if (x < -r || y < -r || x > size.x + r || y > size.y + r) { continue; }
          ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
        }
      }
    },
    nearest: function (point, within) {
      var best = -1, bestD = within * within;
      for (var i = 0; i < this._sx.length; i++) {
        var dx = this._sx[i] - point.x, dy = this._sy[i] - point.y, dd = dx * dx + dy * dy;
        if (dd <= bestD) { bestD = dd; best = i; }
      }
      return best;
    }
  });

  function start() {
    var box = document.getElementById("map");
    if (!box || !window.L) { return; }
    var status = document.getElementById("map-status");
    var map = L.map(box, { attributionControl: true, zoomSnap: 0.5 });
    map.attributionControl.setPrefix("Leaflet");
    var tiles = box.getAttribute("data-tiles");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 18 }).addTo(map); }
    var t0 = performance.now();
    fetch(box.getAttribute("data-points"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) {
        var firm = box.getAttribute("data-firm");
        var n = data.lon.length;
        if (n) {
          var lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
          for (var i = 0; i < n; i++) {
            lo[0] = Math.min(lo[0], data.lat[i]); lo[1] = Math.min(lo[1], data.lon[i]);
            hi[0] = Math.max(hi[0], data.lat[i]); hi[1] = Math.max(hi[1], data.lon[i]);
          }
          map.fitBounds(L.latLngBounds(lo, hi).pad(0.05));
        } else {
          map.setView([35, 110], 5);
        }
        var layer = new PointsLayer(data).addTo(map);
        map.on("click", function (e) {
          var i = layer.nearest(e.containerPoint, 6);
          if (i >= 0) { window.location.href = firm + encodeURIComponent(data.uscc[i]); }
        });
        data.counties.forEach(function (c) {
          L.tooltip({ permanent: true, direction: "center", className: "county-label", interactive: false })
            .setLatLng([c.lat, c.lon]).setContent(c.name).addTo(map);
        });
        data.categories.forEach(function (c, k) {
          var el = document.querySelector('#map-legend [data-cat="' + k + '"] .count');
          if (el) { el.textContent = c.count.toLocaleString("zh-CN"); }
        });
        box.consoleMap = map;  // for the browser tests: where a firm is on the screen
        box.consolePoints = data;
        box.setAttribute("data-drawn", String(n));
        status.textContent = "共 " + n.toLocaleString("zh-CN") + " 家企业（清单版本：" + data.version + "），" +
          (data.missing ? data.missing + " 家无坐标未显示，" : "") + "加载并绘制用时 " + Math.round(performance.now() - t0) + " 毫秒。";
      })
      .catch(function (err) { status.textContent = "企业位置加载失败：" + err.message; });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();

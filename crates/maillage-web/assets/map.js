// Progressive enhancement: the map draws the places of the list (same filters), over the
// shipped département boundaries (offline), or over tiles when the server configures them.
(function () {
  "use strict";
  if (!window.L) { return; }

  function base(map, el) {
    var tiles = el.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.getAttribute("data-tiles-attribution") || "" }).addTo(map);
      return Promise.resolve();
    }
    var url = el.getAttribute("data-boundaries");
    if (!url) { return Promise.resolve(); }
    return fetch(url).then(function (r) { return r.json(); }).then(function (geo) {
      L.geoJSON(geo, { style: { color: "#6b7a90", weight: 1, fillColor: "#eef1f5", fillOpacity: 1 }, interactive: false }).addTo(map);
    }).catch(function () { /* the list remains */ });
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  // Leaflet's controls in the page's language.
  var EN = document.documentElement.lang === "en";
  function zoom(map) {
    L.control.zoom({ zoomInTitle: EN ? "Zoom in" : "Zoomer", zoomOutTitle: EN ? "Zoom out" : "Dézoomer" }).addTo(map);
  }

  function directoryMap(el) {
    el.innerHTML = "";
    // maxZoom must be set when no tile layer gives one: clustering needs it.
    var map = L.map(el, { preferCanvas: true, zoomSnap: 0.25, minZoom: 3, maxZoom: 18, zoomControl: false }).setView([46.6, 2.4], 5.5);
    zoom(map);
    base(map, el).then(function () {
      return fetch(el.getAttribute("data-geojson"), { headers: { "Accept": "application/geo+json" } });
    }).then(function (r) { return r.json(); }).then(function (geo) {
      var layer = L.markerClusterGroup ? L.markerClusterGroup({ chunkedLoading: true }) : L.layerGroup();
      geo.features.forEach(function (f) {
        var c = f.geometry.coordinates;
        var p = f.properties || {};
        var m = L.marker([c[1], c[0]], { title: p.name, alt: p.name, keyboard: true });
        // An embedded map (in an iframe on another site) opens places in a new tab.
        var target = el.getAttribute("data-link-target") ? ' target="_blank" rel="noopener"' : "";
        m.bindPopup('<a href="/lieux/' + encodeURIComponent(p.id) + '"' + target + ">" + escapeHtml(p.name) + "</a><br>" + escapeHtml(p.commune_name || ""));
        layer.addLayer(m);
      });
      map.addLayer(layer);
      if (geo.features.length > 0 && geo.features.length < 3000 && layer.getBounds) {
        map.fitBounds(layer.getBounds(), { maxZoom: 13, padding: [20, 20] });
      }
    }).catch(function () { /* the list remains */ });
  }

  function placeMap(el) {
    var lat = parseFloat(el.getAttribute("data-lat"));
    var lon = parseFloat(el.getAttribute("data-lon"));
    if (isNaN(lat) || isNaN(lon)) { return; }
    // Not focusable itself: the page gives the address in text, the map only illustrates it.
    var map = L.map(el, { zoomControl: false, keyboard: false, minZoom: 3, maxZoom: 18 }).setView([lat, lon], el.getAttribute("data-tiles") ? 15 : 8);
    zoom(map);
    base(map, el).then(function () {
      L.marker([lat, lon], { title: el.getAttribute("data-name") || "", alt: el.getAttribute("data-name") || "", keyboard: false }).addTo(map);
    });
  }

  function start() {
    L.Icon.Default.imagePath = "/assets/vendor/leaflet/images/";
    var d = document.getElementById("map");
    if (d) { directoryMap(d); }
    var p = document.getElementById("place-map");
    if (p) { placeMap(p); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();

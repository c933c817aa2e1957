// Draws a place's boundary and its children's on a Leaflet map. Without a tile server (an
// intranet has none unless the city runs one) the polygons alone show the layout.
(function () {
  var el = document.getElementById("map");
  var data = JSON.parse(document.getElementById("map-data").textContent);
  if (!el || !data.place) return;
  // Our own zoom buttons, titled in the reader's language (base.html's map-words).
  var map = L.map(el, { attributionControl: false, zoomControl: false });
  L.control.zoom(JSON.parse(document.getElementById("map-words").textContent)).addTo(map);
  var tiles = el.dataset.tiles;
  if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  var outline = L.geoJSON(data.place, { style: { color: "#b3261e", weight: 3, fill: false } }).addTo(map);
  data.children.forEach(function (c) {
    L.geoJSON(c.geometry, { style: { color: c.kind === "compound" ? "#1b7f3b" : "#0b57d0", weight: 1, fillOpacity: 0.08 } })
      .bindTooltip(c.name).addTo(map);
  });
  map.fitBounds(outline.getBounds(), { padding: [10, 10] });
})();

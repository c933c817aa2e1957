// Cases on a Leaflet map from local static files. Without a tile server the points are
// drawn over the place's outline (if any), which is enough to see where cases cluster.
(function () {
  var el = document.getElementById("case-map");
  var source = document.getElementById("case-map-data");
  if (!el || !source || !window.L) return;
  var data = JSON.parse(source.textContent);
  var points = (data.points || []).map(function (p) { return { latlng: [p.lat, p.lon], case: p }; });
  if (data.point) points.push({ latlng: [data.point[1], data.point[0]] });
  var outline = data.place
    ? L.geoJSON(data.place, { style: { color: "#0b57d0", weight: 2, fillOpacity: 0.05 } })
    : null;
  // The view first, then the layers: shapes added to a map without a view fail to draw.
  var bounds = L.latLngBounds(points.map(function (p) { return p.latlng; }));
  if (outline) bounds.extend(outline.getBounds());
  if (!bounds.isValid()) { el.hidden = true; return; }
  // Our own zoom buttons, titled in the reader's language (base.html's map-words).
  var map = L.map(el, { attributionControl: false, zoomControl: false });
  L.control.zoom(JSON.parse(document.getElementById("map-words").textContent)).addTo(map);
  map.fitBounds(bounds, { padding: [12, 12], maxZoom: 16 });
  var tiles = el.dataset.tiles;
  if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  if (outline) outline.addTo(map);
  var style = { radius: 6, color: "#b3261e", weight: 2, fillOpacity: 0.7 };
  points.forEach(function (p) {
    var marker = L.circleMarker(p.latlng, style).addTo(map);
    if (p.case) {
      marker.bindTooltip(p.case.number);
      marker.on("click", function () { window.location.href = p.case.url; });
    }
  });
})();

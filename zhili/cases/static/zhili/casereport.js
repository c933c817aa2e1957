// "Use my location": the phone's position fills the report's hidden longitude and latitude.
// No map service is needed; the server places the point in its grid.
(function () {
  var button = document.getElementById("use-location");
  if (!button) return;
  var status = document.getElementById("location-status");
  var lon = document.querySelector("input[name=longitude]");
  var lat = document.querySelector("input[name=latitude]");
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = button.dataset.failed; return; }
    status.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        lon.value = pos.coords.longitude.toFixed(6);
        lat.value = pos.coords.latitude.toFixed(6);
        status.textContent = button.dataset.found + " " + lon.value + ", " + lat.value;
      },
      function () { status.textContent = button.dataset.failed; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();

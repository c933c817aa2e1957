"""Plain-Python GeoJSON checks and point-in-polygon, in WGS 84 longitude/latitude.

No GEOS or PostGIS is needed: boundaries are small (a grid has a few dozen vertices) and the
bounding-box query in `selectors.locate_point` leaves only a handful of candidates to test.
"""

from django.utils.translation import gettext as _

Ring = list[list[float]]


class GeometryError(ValueError):
    """A boundary that is not a valid GeoJSON Polygon or MultiPolygon; the message is translated."""


def _check_position(pos, where: str) -> None:
    if not isinstance(pos, (list, tuple)) or len(pos) < 2:
        raise GeometryError(
            _("%(where)s: a position needs a longitude and a latitude.") % {"where": where}
        )
    lon, lat = pos[0], pos[1]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lon, lat)):
        raise GeometryError(_("%(where)s: coordinates must be numbers.") % {"where": where})
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeometryError(
            _("%(where)s: longitude must lie within ±180 and latitude within ±90.")
            % {"where": where}
        )


def _check_ring(ring, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeometryError(
            _("%(where)s: a ring needs at least four positions.") % {"where": where}
        )
    for pos in ring:
        _check_position(pos, where)
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise GeometryError(_("%(where)s: a ring must end where it starts.") % {"where": where})


def validate_geometry(geometry) -> dict:
    """Returns the geometry if it is a valid Polygon or MultiPolygon, else GeometryError."""
    if not isinstance(geometry, dict):
        raise GeometryError(_("The boundary must be a GeoJSON geometry object."))
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise GeometryError(_("A MultiPolygon needs at least one polygon."))
        polygons = coords
    else:
        raise GeometryError(
            _("The boundary must be a Polygon or MultiPolygon, not %(kind)s.") % {"kind": kind}
        )
    for p_index, polygon in enumerate(polygons):
        if not isinstance(polygon, list) or not polygon:
            raise GeometryError(_("A polygon needs at least an outer ring."))
        for r_index, ring in enumerate(polygon):
            _check_ring(ring, _("polygon %(p)d, ring %(r)d") % {"p": p_index + 1, "r": r_index + 1})
    return geometry


def _polygons(geometry: dict) -> list[list[Ring]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def bbox(geometry: dict) -> tuple[float, float, float, float]:
    lons, lats = [], []
    for polygon in _polygons(geometry):
        for pos in polygon[0]:
            lons.append(pos[0])
            lats.append(pos[1])
    return min(lons), min(lats), max(lons), max(lats)


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    # Even-odd rule: count crossings of a ray running east from the point.
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat):
            x_cross = (xj - xi) * (lat - yi) / (yj - yi) + xi
            if lon < x_cross:
                inside = not inside
        j = i
    return inside


def contains(geometry: dict, lon: float, lat: float) -> bool:
    """True when the point lies inside the geometry (inside an outer ring, outside its holes)."""
    for polygon in _polygons(geometry):
        if _in_ring(lon, lat, polygon[0]) and not any(_in_ring(lon, lat, h) for h in polygon[1:]):
            return True
    return False


def centroid(geometry: dict) -> tuple[float, float]:
    """The mean of the outer ring's vertices: good enough to put a label or a pin on a map."""
    ring = _polygons(geometry)[0][0][:-1]
    return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)

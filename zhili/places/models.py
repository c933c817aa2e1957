from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.places.geo import bbox


def ancestor_paths(path: str) -> list[str]:
    """The paths of a place and of every place above it, root first:
    "/a/b/c/" → ["/a/", "/a/b/", "/a/b/c/"] (for "over the place" look-ups)."""
    codes = [c for c in path.split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


class PlaceKind(models.TextChoices):
    CITY = "city", _("City")
    STREET = "street", _("Street or town")
    COMMUNITY = "community", _("Community")
    COMPOUND = "compound", _("Compound")
    GRID = "grid", _("Grid")


# Which kind may sit under which: the tree city -> street/town -> community -> compound, grid.
ALLOWED_PARENT = {
    PlaceKind.CITY: None,
    PlaceKind.STREET: PlaceKind.CITY,
    PlaceKind.COMMUNITY: PlaceKind.STREET,
    PlaceKind.COMPOUND: PlaceKind.COMMUNITY,
    PlaceKind.GRID: PlaceKind.COMMUNITY,
}

# Code lengths in the shape of DB11/T 2157-2023: 6 digits of district (here the county-level
# city), then 3 of street, 3 of community, 3 of grid. Compounds share the grid length and are
# numbered from 501 within their community (see docs/places.md).
CODE_LENGTH = {
    PlaceKind.CITY: 6,
    PlaceKind.STREET: 9,
    PlaceKind.COMMUNITY: 12,
    PlaceKind.COMPOUND: 15,
    PlaceKind.GRID: 15,
}


class Place(models.Model):
    """A node of the place tree. `path` lists the codes from the root, for subtree queries."""

    kind = models.CharField(_("kind"), max_length=16, choices=PlaceKind.choices)
    code = models.CharField(_("code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    # The boundary's bounding box, so that locating a point starts with an indexed query.
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["min_lon", "max_lon"], name="place_bbox_lon"),
        ]

    def __str__(self):
        return self.name

    @property
    def codes_in_path(self) -> list[str]:
        return [c for c in self.path.split("/") if c]

    def is_within(self, other: "Place") -> bool:
        """True when this place is `other` or lies below it."""
        return self.path.startswith(other.path)

    def set_tree_fields(self) -> None:
        """Derive path and depth from the parent; call before saving a new or moved place."""
        if self.parent is None:
            self.path, self.depth = f"/{self.code}/", 0
        else:
            self.path = f"{self.parent.path}{self.code}/"
            self.depth = self.parent.depth + 1

    def set_bbox(self) -> None:
        box = bbox(self.boundary) if self.boundary else None
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = box or (None,) * 4

"""Open311 GeoReport v2, rooted at /open311/ (docs/open311.md)."""

urlpatterns: list = []

import pytest
from zhili.testing.factories import PASSWORD

def test_explore(client, cast, city, department, people_everywhere):
    client.force_login(cast.admin)
    r = client.get("/admin/")
    print("admin index", r.status_code, b"permission" in r.content)
    r = client.get(f"/admin/orgs/department/{department.pk}/change/")
    print("dept change", r.status_code)
    client.force_login(cast.secretary)
    for m, url in [("delete", f"/api/v1/people/{people_everywhere.in_c1.pk}"), ("put", "/api/v1/people/"), ("post", "/api/v1/places/"), ("post", "/api/v1/places/locate"), ("post", "/people/"), ("delete", "/people/new/")]:
        r = getattr(client, m)(url)
        print(m, url, r.status_code, r.content[:200])
    client.force_login(cast.volunteer)
    r = client.post("/api/v1/people/", {"name": "x", "address_place_id": city.c1.pk}, content_type="application/json")
    print("volunteer post", r.status_code, r.content)
    client.logout()
    r = client.get("/api/v1/people/")
    print("anon", r.status_code, r.content)
    r = client.get(f"/api/v1/places/locate?lon=117.101&lat=28.951")
    print("anon locate", r.status_code, r.content)
    client.force_login(cast.secretary)
    r = client.get(f"/api/v1/places/locate?lon=117.101&lat=28.951")
    print("sec locate", r.status_code, r.content)
    r = client.post("/api/v1/people/", {"name": "x", "id_number": "123", "phone": "12", "address_place_id": city.c1.pk}, content_type="application/json")
    print("sec post bad", r.status_code, r.content.decode())
    r = client.get("/login/")
    print("login when logged in", r.status_code, r.get("Location"))

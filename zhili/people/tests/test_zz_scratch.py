import re
import pytest
from zhili.testing.factories import PASSWORD

def test_explore(client, cast, city, department, people_everywhere):
    client.force_login(cast.secretary)
    p = people_everywhere.in_c1
    r = client.get(f"/people/{p.pk}/edit/")
    html = r.content.decode()
    print(re.findall(r'<input[^>]*updated_at[^>]*>', html))
    data = {"name": "甲一改", "political_status": "masses", "address_place": city.g1.pk,
            "updated_at": re.search(r'name="updated_at" value="([^"]*)"', html).group(1),
            "phone": p.phone}
    r = client.post(f"/people/{p.pk}/edit/", data)
    print(r.status_code, r.get("Location"), r.content.decode()[-800:] if r.status_code != 302 else "")

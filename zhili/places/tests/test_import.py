"""`zhili import-places FILE`: a GeoJSON FeatureCollection into the place tree, all or nothing."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from zhili.audit.models import AuditRecord
from zhili.core.errors import Forbidden, InvalidInput
from zhili.core.permissions import Role, SystemActor
from zhili.places.models import Place
from zhili.places.selectors import locate_point
from zhili.places.services import import_places, parse_feature_collection
from zhili.testing.factories import UserFactory, grant, make_place, square

X, Y = 116.50, 29.30  # 浮梁县, well away from the shared test city


def feature(code, name, geometry=None, **props) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **props},
        "geometry": geometry,
    }


def collection(*features) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


FULIANG = [
    feature("360222", "浮梁县", square(X, Y, 0.04)),
    feature("360222001", "浮梁镇", square(X, Y, 0.02)),
    feature("360222001001", "镇东社区", square(X, Y, 0.01)),
    feature("360222001001001", "镇东一网格", square(X, Y, 0.005)),
    feature("360222001001501", "镇东小区", square(X + 0.006, Y + 0.006, 0.002), kind="compound"),
]


def run_command(tmp_path, content, *args) -> str:
    path = tmp_path / "places.geojson"
    if isinstance(content, (dict, list)):
        content = json.dumps(content, ensure_ascii=False)
    path.write_text(content, encoding="utf-8")
    out = StringIO()
    call_command("import-places", str(path), *args, stdout=out)
    return out.getvalue().strip()


def command_error(tmp_path, content, *args) -> str:
    with pytest.raises(CommandError) as info:
        run_command(tmp_path, content, *args)
    return str(info.value)


def import_errors(data) -> dict:
    with pytest.raises(InvalidInput) as info:
        import_places(actor=SystemActor(), collection=data)
    fields = info.value.as_dict()["fields"]
    assert all(messages and all(messages) for messages in fields.values())
    return fields


# --- The command with real files ------------------------------------------------------------


@pytest.mark.django_db
def test_a_whole_county_is_imported_from_a_file(tmp_path):
    assert run_command(tmp_path, collection(*FULIANG)) == "created 5, updated 0, unchanged 0"

    places = {p.code: p for p in Place.objects.all()}
    assert places["360222001001001"].path == "/360222/360222001/360222001001/360222001001001/"
    assert places["360222001001001"].parent == places["360222001001"]
    assert places["360222001001501"].kind == "compound"
    assert places["360222001001501"].parent == places["360222001001"]
    assert places["360222"].parent is None and places["360222"].kind == "city"
    location = locate_point(X + 0.001, Y + 0.001)
    assert (location.grid.name, location.community.name, location.street.name) == (
        "镇东一网格",
        "镇东社区",
        "浮梁镇",
    )

    records = AuditRecord.objects.all()
    assert records.count() == 5
    assert {(r.actor, r.actor_label, r.action) for r in records} == {
        (None, "system:import-places", "place.import")
    }


@pytest.mark.django_db
def test_children_may_come_before_their_parents_in_the_file(tmp_path):
    assert run_command(tmp_path, collection(*reversed(FULIANG))) == (
        "created 5, updated 0, unchanged 0"
    )
    assert Place.objects.get(code="360222001001001").depth == 3


def test_streets_are_added_under_a_city_already_in_the_tree(tmp_path, city):
    data = collection(feature("360281003", "洎阳街道"), feature("360281003001", "洎阳社区"))
    assert run_command(tmp_path, data) == "created 2, updated 0, unchanged 0"
    assert Place.objects.get(code="360281003001").path == ("/360281/360281003/360281003001/")


@pytest.mark.django_db
def test_a_re_import_updates_names_and_counts_the_rest_unchanged(tmp_path):
    run_command(tmp_path, collection(*FULIANG))
    renamed = [dict(f, properties=dict(f["properties"])) for f in FULIANG]
    renamed[2]["properties"]["name"] = "镇东新社区"

    assert run_command(tmp_path, collection(*renamed)) == "created 0, updated 1, unchanged 4"
    assert Place.objects.get(code="360222001001").name == "镇东新社区"
    latest = AuditRecord.objects.first()
    assert latest.changes == {"name": ["镇东社区", "镇东新社区"]}
    assert AuditRecord.objects.count() == 6


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    run_command(tmp_path, collection(*FULIANG))
    assert run_command(tmp_path, collection(*FULIANG)) == "created 0, updated 0, unchanged 5"
    assert AuditRecord.objects.count() == 5


@pytest.mark.django_db
def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import-places", str(tmp_path / "nowhere.geojson"))


@pytest.mark.django_db
@pytest.mark.parametrize("content", ["{not json", "", "\xff\xfe"])
def test_a_file_that_is_not_json_is_refused(tmp_path, content):
    assert "file:" in command_error(tmp_path, content)
    assert not Place.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    [
        FULIANG[0],  # one Feature, not a collection
        [FULIANG[0]],  # a bare list
        {"type": "FeatureCollection"},  # no features
        {"type": "FeatureCollection", "features": {"a": 1}},  # features not a list
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_refused(tmp_path, content):
    assert "file:" in command_error(tmp_path, content)
    assert not Place.objects.exists()


@pytest.mark.django_db
def test_a_bad_ring_is_reported_against_its_feature(tmp_path):
    three_points = {"type": "Polygon", "coordinates": [[[X, Y], [X + 0.01, Y], [X, Y]]]}
    data = collection(FULIANG[0], feature("360222001", "浮梁镇", three_points))
    message = command_error(tmp_path, data)
    assert "features[1].boundary:" in message
    assert not Place.objects.exists()


@pytest.mark.django_db
def test_a_code_of_the_wrong_length_for_its_kind_is_reported(tmp_path):
    data = collection(FULIANG[0], FULIANG[1], feature("36022200100", "短号社区", kind="community"))
    message = command_error(tmp_path, data)
    assert "features[2].code:" in message
    assert not Place.objects.exists()


@pytest.mark.django_db
def test_a_code_of_no_known_length_is_reported_against_the_code(tmp_path):
    data = collection(FULIANG[0], feature("3602220010", "十位编码"))
    message = command_error(tmp_path, data)
    assert "features[1].code:" in message
    assert not Place.objects.exists()


@pytest.mark.django_db
def test_an_unknown_parent_is_reported(tmp_path):
    data = collection(FULIANG[0], feature("360222009001", "孤儿社区"))  # 360222009: no street
    message = command_error(tmp_path, data)
    assert "features[1].parent:" in message
    assert not Place.objects.exists()


@pytest.mark.django_db
def test_one_bad_feature_and_nothing_is_imported(tmp_path):
    data = collection(*FULIANG, feature("360222001002", ""))  # a community with no name
    message = command_error(tmp_path, data)
    assert "features[5].name:" in message
    assert not Place.objects.exists()
    assert not AuditRecord.objects.exists()


@pytest.mark.django_db
def test_a_failed_re_import_undoes_the_renames_it_had_made(tmp_path):
    run_command(tmp_path, collection(*FULIANG))
    renamed = dict(FULIANG[1], properties={"code": "360222001", "name": "浮梁新镇"})
    bad = feature("360222001002001", "无社区网格")  # its community 360222001002 does not exist
    command_error(tmp_path, collection(FULIANG[0], renamed, bad))
    assert Place.objects.get(code="360222001").name == "浮梁镇"
    assert AuditRecord.objects.count() == 5


def test_an_import_does_not_move_a_place(tmp_path, city):
    # 翠平社区 exists under 泊阳街道; the file puts it under 塔山街道.
    data = collection(feature("360281001001", "翠平社区", parent="360281002"))
    message = command_error(tmp_path, data)
    assert "features[0].code:" in message
    assert Place.objects.get(code="360281001001").parent == city.s1


def test_the_command_may_act_as_a_named_user(tmp_path, city):
    root = UserFactory(username="root", is_superuser=True)
    run_command(tmp_path, collection(feature("360281003", "洎阳街道")), "--as", "root")
    record = AuditRecord.objects.get()
    assert (record.actor, record.actor_label) == (root, "root")


def test_the_citys_administrator_may_import_within_his_city(tmp_path, cast, city):
    data = collection(feature("360281003", "洎阳街道"), feature("360281001001", "翠平新社区"))
    assert run_command(tmp_path, data, "--as", "admin") == "created 1, updated 1, unchanged 0"
    assert set(AuditRecord.objects.values_list("actor", "action")) == {
        (cast.admin.pk, "place.import")
    }


def test_the_citys_administrator_may_not_add_another_city(tmp_path, cast, city):
    assert command_error(tmp_path, collection(*FULIANG), "--as", "admin")
    assert not Place.objects.filter(code__startswith="360222").exists()


def test_an_administrator_may_not_import_into_another_city(cast, city):
    fuliang = make_place("city", "360222", "浮梁县")
    other_admin = grant(UserFactory(), Role.ADMIN, fuliang)
    data = collection(
        feature("360222001", "浮梁镇"),  # his own, but the whole file is refused
        feature("360281001001", "翠平新社区"),  # 乐平市's
    )
    with pytest.raises(Forbidden):
        import_places(actor=other_admin, collection=data)
    assert not Place.objects.filter(code="360222001").exists()
    assert Place.objects.get(code="360281001001").name == "翠平社区"
    assert not AuditRecord.objects.exists()


def test_the_command_refuses_a_user_who_may_not_manage_places(tmp_path, cast):
    message = command_error(
        tmp_path, collection(feature("360281003", "洎阳街道")), "--as", "secretary"
    )
    assert message  # the translated "your role does not allow this"
    assert not Place.objects.filter(code="360281003").exists()


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_user(tmp_path):
    assert "nobody" in command_error(tmp_path, collection(*FULIANG), "--as", "nobody")
    assert not Place.objects.exists()


# --- The service, for what a file can get wrong inside a feature ----------------------------


@pytest.mark.django_db
def test_a_feature_without_properties_is_reported():
    fields = import_errors(collection(FULIANG[0], {"type": "Feature", "geometry": None}))
    assert "features[1]" in fields


@pytest.mark.django_db
def test_a_parent_of_the_wrong_kind_in_the_same_file_is_reported_not_skipped():
    # The community names a grid as its parent; the grid, in turn, hangs under the community.
    data = collection(
        FULIANG[0],
        FULIANG[1],
        feature("360222001001", "镇东社区", parent="360222001001001"),
        feature("360222001001001", "镇东一网格"),
    )
    fields = import_errors(data)
    assert "features[2].parent" in fields
    assert not Place.objects.exists()


@pytest.mark.django_db
def test_two_features_with_one_code_are_reported():
    data = collection(FULIANG[0], feature("360222001", "浮梁镇"), feature("360222001", "鹅湖镇"))
    fields = import_errors(data)
    assert "features[2].code" in fields
    assert not Place.objects.exists()


def test_only_an_operator_may_import(cast):
    with pytest.raises(Forbidden):
        import_places(actor=cast.dispatcher, collection=collection(*FULIANG))
    assert not Place.objects.filter(code="360222").exists()


def test_parsing_accepts_bytes_with_a_byte_order_mark():
    raw = b"\xef\xbb\xbf" + json.dumps(collection(*FULIANG)).encode()
    assert len(parse_feature_collection(raw)["features"]) == 5


@pytest.mark.django_db
def test_an_unknown_kind_is_reported_against_the_kind():
    fields = import_errors(collection(FULIANG[0], feature("360222001", "浮梁镇", kind="district")))
    assert list(fields) == ["features[1].kind"]


def test_a_kind_that_is_not_a_string_is_a_field_error_not_a_crash(city):
    from zhili.core.errors import InvalidInput
    from zhili.core.permissions import SystemActor
    from zhili.places.services import import_places

    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": None,
                "properties": {"code": "360281001003", "name": "新社区", "kind": ["community"]},
            }
        ],
    }
    with pytest.raises(InvalidInput) as excinfo:
        import_places(actor=SystemActor(), collection=collection)
    assert list(excinfo.value.fields) == ["features[0].kind"]

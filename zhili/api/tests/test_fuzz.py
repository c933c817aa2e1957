"""A bounded schemathesis pass over the whole API (/api/v1/openapi.json), as an administrator
and as a resident: every operation gets FUZZ_EXAMPLES generated requests (valid and invalid),
and every answer must be no 5xx and conform to the OpenAPI document: its status declared, its
body and headers as declared (all of schemathesis's checks).

Schema-valid data may still be refused by a rule no schema can say (a category id that names
no category, a point outside every place, an act the case's status does not allow): such
answers are 400, 404 or 409, each in the API's error shape, so positive_data_acceptance
accepts those statuses too.

Runs with the suite (`make test`) on FUZZ_EXAMPLES=8 per operation and role; `.ci/run` runs it
again with 25. Derandomised: a failure reproduces on every run."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from zhili.cases.tests.conftest import whistle
from zhili.people.tokens import issue_token

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))

CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409"]
            },
        }
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)


@pytest.fixture(autouse=True)
def _keep_the_tests_connection():
    """The WSGI app closes the database connection at each request's end when it is not in
    autocommit (request_finished → close_old_connections), which a test's transaction never
    is: on PostgreSQL every later query then fails. Django's test client unhooks it the same
    way while it calls the app."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["admin", "resident"])
def token(request, loop):
    """A token of the role, over the test city with a case in it to find."""
    whistle(loop)
    owner = getattr(loop, request.param)
    return issue_token(actor=None, owner=owner, name="fuzz")[1]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_gets_a_5xx_or_an_answer_the_schema_does_not_declare(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

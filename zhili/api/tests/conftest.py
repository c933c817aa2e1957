# The case loop's test city (a category, two departments and the cast), shared with cases.
from zhili.cases.tests.conftest import _media_in_tmp, loop  # noqa: F401

"""The bounds every number a client sends must keep, declared once for the API's schemas.

A database id is a signed 64-bit integer: a larger number sent as an id, an offset or a count
overflows the database driver (a 500) instead of finding nothing. These types refuse it first,
as a 400 naming the field, and the OpenAPI document shows the bounds to clients.
"""

from typing import Annotated

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

# The largest value of a PostgreSQL bigint and of an SQLite INTEGER.
MAX_BIGINT = 2**63 - 1
# The longest page a list answers; the default page is PAGE_SIZE.
PAGE_SIZE = 100
MAX_PAGE_SIZE = 500

# An id a client names (a path, a query parameter or a field of a body).
Id = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
# A count or a version a client sends.
Count = Annotated[int, Field(ge=0, le=MAX_BIGINT)]


class BoundedLimitOffset(LimitOffsetPagination):
    """`limit` (1..MAX_PAGE_SIZE, default PAGE_SIZE) and `offset` (0..MAX_BIGINT): a longer
    page or a larger offset is a 400 on that parameter, never the whole table or a 500."""

    class Input(Schema):
        limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
        offset: Count = 0

"""How programs sign in to the API: `Authorization: Bearer <token>` (zhili.people.tokens).
The token's account then goes through the same role and scope checks as a signed-in page."""

from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from zhili.people.tokens import account_for_token


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = account_for_token(token)
        if user is None:
            # A presented but bad token is refused outright rather than falling through to
            # the session check (whose CSRF refusal would hide what went wrong).
            raise AuthenticationError()
        request.user = user
        return user

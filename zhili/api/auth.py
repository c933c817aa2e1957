"""How callers sign in to the API: programs with `Authorization: Bearer <token>`
(zhili.people.tokens), pages with their session. The account then goes through the same role
and scope checks as a signed-in page."""

from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

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


class SignedInSession(SessionAuth):
    """The page's session. Its CSRF check applies only to a signed-in session: a request with
    neither a session nor a token is answered 401 (sign in), not 403 (a forged form)."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

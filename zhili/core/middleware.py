from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from zhili.core.errors import DomainError


class DomainErrorMiddleware:
    """Turns a DomainError escaping a page view into a translated page. (The API turns its
    own into JSON: zhili/api/urls.py.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        referer = request.headers.get("referer", "")
        if (
            exception.status == 400
            and request.method == "POST"
            and url_has_allowed_host_and_scheme(
                referer, {request.get_host()}, require_https=request.is_secure()
            )
        ):
            messages.error(request, exception.message)
            return HttpResponseRedirect(referer)
        return render(request, "site/error.html", {"error": exception}, status=exception.status)

from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render

from zhili.core.errors import DomainError


class DomainErrorMiddleware:
    """Turns a DomainError escaping a page view into a translated page (or JSON for the API)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(exception.as_dict(), status=exception.status)
        if exception.status == 400 and request.method == "POST" and request.headers.get("referer"):
            messages.error(request, exception.message)
            return HttpResponseRedirect(request.headers["referer"])
        return render(
            request, "site/error.html", {"error": exception}, status=exception.status
        )

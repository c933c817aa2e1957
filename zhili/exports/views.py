from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from zhili.core import permissions
from zhili.core.errors import NotFound
from zhili.exports.models import ExportStatus
from zhili.exports.registry import export_kind
from zhili.exports.selectors import access_export, exports_for

LIST_SIZE = 50


@login_required
@require_GET
def export_list(request):
    exports = exports_for(request.user)[:LIST_SIZE]
    return render(request, "exports/list.html", {"exports": exports})


@login_required
@require_GET
def export_detail(request, export_id: int):
    """The export's status; while it is pending, its fragment asks again every second."""
    export = access_export(request.user, export_id)
    context = {"export": export}
    if request.htmx:
        return render(request, "exports/partials/status.html", context)
    return render(request, "exports/detail.html", context)


@login_required
@require_GET
def export_download(request, export_id: int):
    actor = request.user
    export = access_export(actor, export_id)
    if export.status != ExportStatus.DONE or not export.file:
        raise NotFound()
    # A requester who has lost the right since keeps no access to the data.
    permissions.require(actor, export_kind(export.kind).cap)
    # Opened through the storage API, so that an S3-compatible store serves as well.
    response = FileResponse(export.file.open("rb"), as_attachment=True, filename=export.filename)
    response["Cache-Control"] = "private, no-store"
    return response

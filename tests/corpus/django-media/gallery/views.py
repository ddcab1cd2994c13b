from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST


def index(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
    _, files = default_storage.listdir("")
    return render(request, "gallery/index.html", {"version": version, "files": files,
                                                  "media_url": settings.MEDIA_URL})


@require_POST
def upload(request):
    upload = request.FILES.get("file")
    if upload is None:
        return HttpResponseBadRequest("no file")
    default_storage.save(upload.name, upload)
    return redirect("index")

"""Each visit stores a small file under MEDIA_ROOT and a row in the database."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpResponse, JsonResponse

from .models import Upload


def index(request):
    upload = Upload.objects.create(name="visit")
    saved = default_storage.save(f"uploads/visit-{upload.pk}.txt", ContentFile(b"hello\n"))
    return HttpResponse(f"<h1>Gallery</h1><p>{Upload.objects.count()} uploads; last {saved}</p>\n")


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    probe = settings.MEDIA_ROOT / ".healthz"
    probe.write_text("ok\n")
    return JsonResponse({"status": "ok", "database": connection.vendor})

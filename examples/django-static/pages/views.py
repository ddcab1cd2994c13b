from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation


def home(request):
    return render(request, "pages/home.html")


def healthz(request):
    # The French catalog is compiled at build time: the translated word proves it.
    with translation.override("fr"):
        word = translation.gettext("Hello")
    return HttpResponse(f"ok {word}", content_type="text/plain")

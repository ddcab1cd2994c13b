"""gunicorn settings for the django-poetry example (loaded with --config)."""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
# gunicorn's control socket lives in $HOME, which does not exist for the image's system user.
control_socket_disable = True


def on_starting(server):
    """Apply database migrations once, before the workers start."""
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    django.setup()
    call_command("migrate", interactive=False, verbosity=1)

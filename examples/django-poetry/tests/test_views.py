import pytest


@pytest.mark.django_db
def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


@pytest.mark.django_db
def test_add_note(client):
    r = client.post("/", {"text": "hello"})
    assert r.status_code == 302
    assert b"hello" in client.get("/").content

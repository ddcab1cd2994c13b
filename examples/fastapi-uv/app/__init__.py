"""fastapi-uv example app."""

FROM python:3.12-slim
RUN groupadd -g 10001 app && useradd -u 10001 -g app app
WORKDIR /app
COPY --chown=app:app requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY --chown=app:app . .
USER 10001
EXPOSE 8000
HEALTHCHECK CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/')"]
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]

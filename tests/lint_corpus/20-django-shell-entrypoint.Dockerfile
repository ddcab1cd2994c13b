FROM python:3.10-slim-bullseye
ENV PYTHONUNBUFFERED 1
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev gcc
WORKDIR /code
COPY requirements.txt /code/
RUN pip install --no-cache-dir -r requirements.txt
COPY . /code/
RUN useradd --system django
USER django
HEALTHCHECK CMD ["python", "manage.py", "check"]
ENTRYPOINT ./docker-entrypoint.sh

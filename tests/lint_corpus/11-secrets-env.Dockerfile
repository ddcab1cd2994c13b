FROM python:3.12-slim
ENV DATABASE_URL=postgres://app:s3cret@db:5432/app \
    API_KEY=abc123 \
    LOG_LEVEL=info
ARG GITHUB_TOKEN
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY app.py .
RUN useradd --system app
USER app
HEALTHCHECK CMD ["python", "-c", "print(1)"]
CMD ["python", "app.py"]

FROM python:3.12-alpine
RUN apk add --no-cache libpq
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY app ./app
RUN adduser -S -D app
USER app
HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:5000/health"]
CMD ["flask", "--app", "app", "run", "--host", "0.0.0.0"]

FROM ubuntu:22.04
RUN apt-get update
RUN apt-get install -y python3 python3-pip curl
WORKDIR /srv
COPY requirements.txt .
RUN pip3 install -r requirements.txt
COPY app/ ./app/
CMD ["python3", "-m", "app"]

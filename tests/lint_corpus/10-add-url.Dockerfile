FROM debian:bookworm-slim
ADD https://example.com/tool.tar.gz /tmp/tool.tar.gz
RUN tar -xzf /tmp/tool.tar.gz -C /usr/local/bin && rm /tmp/tool.tar.gz
RUN useradd --system tool
USER tool
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/tool"]

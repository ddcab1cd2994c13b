FROM golang:1.22 as builder
WORKDIR /go/src/app
COPY . .
RUN go build -o /app .

FROM scratch
COPY --from=builder /app /app
EXPOSE 8080
ENTRYPOINT ["/app"]

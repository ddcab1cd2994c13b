var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHealthChecks();

var app = builder.Build();

var greeting = app.Configuration["GREETING"] ?? "Hello";
app.MapGet("/", (string? name) => Results.Ok(new { message = $"{greeting}, {name ?? "world"}!" }));
app.MapHealthChecks("/healthz");

app.Run();

app.Run();

import uvicorn

if __name__ == "__main__":
    uvicorn.run("todo.app:app", host="0.0.0.0", port=8000, app_dir="src")

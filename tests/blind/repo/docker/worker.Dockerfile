FROM python:3.11-slim
WORKDIR /srv
COPY app/ app/
COPY config/settings.toml config/settings.toml
CMD ["python", "-m", "app.worker"]

FROM python:3.11-slim
RUN useradd --create-home app
WORKDIR /srv
COPY app/ app/
COPY config/settings.toml config/settings.toml
USER app
EXPOSE 8080
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8080"]

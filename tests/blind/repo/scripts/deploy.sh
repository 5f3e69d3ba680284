#!/bin/sh
# Deploy the api and worker images.
set -eu
# TODO: run scripts/check_config.py here and stop on warnings
docker compose build api worker
docker compose up -d api worker

# Preflight: run before every deploy. Mirrors CI (same versions, same commands).
# Usage (PowerShell 7+):  ./scripts/preflight.ps1
$ErrorActionPreference = "Stop"
$root = Split-Path -Parent $PSScriptRoot

$node = (Get-Content "$root/.nvmrc").Trim()
$python = (Get-Content "$root/.python-version").Trim()
if (-not (node --version).StartsWith("v$node")) { throw "node $node required (.nvmrc)" }
if (-not (python --version).Contains($python)) { throw "python $python required (.python-version)" }

Push-Location "$root/frontend"
try {
    npm ci;              if ($LASTEXITCODE) { throw "npm ci failed" }
    npm run lint;        if ($LASTEXITCODE) { throw "lint failed" }
    npm run typecheck;   if ($LASTEXITCODE) { throw "typecheck failed" }
    npm run build;       if ($LASTEXITCODE) { throw "build failed" }
} finally { Pop-Location }

Push-Location "$root/backend"
try {
    if (-not (Test-Path .venv)) { python -m venv .venv }
    & .venv/bin/python -m pip install -q -r requirements.txt;  if ($LASTEXITCODE) { throw "pip failed" }
    & .venv/bin/python -m compileall -q .;                      if ($LASTEXITCODE) { throw "compile failed" }
    & .venv/bin/python -m pytest tests/ -v -m "not network";    if ($LASTEXITCODE) { throw "tests failed" }
} finally { Pop-Location }

Write-Host "PREFLIGHT OK"

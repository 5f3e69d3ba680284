"""What the deployed configuration says about a service's invokers, for `diagnose invoker-403`:
the service's audience and allowlist variables (its latest ready revision), who holds
roles/run.invoker on it, and every Cloud Scheduler job of its region that calls it; and where
these disagree, the mismatch with the gcloud command that fixes it.

Variables are found by name: the audience is `INVOKER_TOKEN_AUDIENCE` (else a variable whose
name ends in `AUDIENCE`), the allowlists are `*INVOKER*_EMAILS` and `*INVOKER*_SUBS`, lists
separated by commas. Their values are identities and URLs, not secrets; a variable that comes
from Secret Manager is not read, and what depends on it is said to be unknown.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from certify.errors import CheckError
from certify.spec.errors import Mark
from certify.spec.model import TargetSpec
from certify.targets.gcp import INVOKER, PUBLIC_MEMBERS, GcpConfig, GcpTarget, JobFacts, ServiceFacts
from certify.targets.logs import CloudLoggingConfig, LogsConfig, LogsTarget

AUDIENCE_VAR = "INVOKER_TOKEN_AUDIENCE"
_EMAILS = re.compile(r"INVOKER\w*_EMAILS$")
_SUBS = re.compile(r"INVOKER\w*_SUBS$")
TIMEOUT = 60.0


@dataclass(frozen=True)
class Allowlist:
    var: str
    kind: str  # "emails" or "subs"
    entries: tuple[str, ...] | None  # None: from Secret Manager, not read

    def holds(self, who: str) -> bool:
        return self.entries is not None and who.lower() in (e.lower() for e in self.entries)


@dataclass(frozen=True)
class Mismatch:
    who: str  # "job nightly-reconcile", "rejected tokens" ...
    what: str  # one sentence
    fix: str  # the gcloud command


@dataclass
class InvokerConfig:
    """The configuration of one service's invokers, and where it disagrees with its callers."""

    target: GcpTarget
    service: ServiceFacts
    audience_var: str | None = None
    audience: str | None = None  # None: not set, or from Secret Manager
    audience_secret: bool = False
    allowlists: list[Allowlist] = field(default_factory=list)
    invokers: list[str] | None = None  # members holding roles/run.invoker without condition; None: not read
    conditional: list[str] = field(default_factory=list)
    jobs: list[JobFacts] = field(default_factory=list)  # the jobs that call the service
    jobs_read: int | None = None  # jobs in the region; None: not read
    mismatches: list[Mismatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be read or decided

    @property
    def name(self) -> str:
        return self.service.short

    @property
    def public(self) -> bool:
        return self.service.invoker_iam_disabled or any(m in PUBLIC_MEMBERS for m in self.invokers or [])

    def allowlist(self, kind: str) -> Allowlist | None:
        return next((a for a in self.allowlists if a.kind == kind), None)

    def set_env(self, var: str, entries: tuple[str, ...], add: list[str]) -> str:
        """The gcloud command that adds `add` to the list variable `var` (its whole new value: gcloud
        replaces a variable; `^@^` lets the value hold commas)."""
        t = self.target
        value = ",".join([*entries, *add])
        return (f"gcloud run services update {self.name} --region {t.region} --project {t.project} "
                f"--update-env-vars={shlex.quote(f'^@^{var}={value}')}")

    def grant(self, member: str) -> str:
        t = self.target
        return (f"gcloud run services add-iam-policy-binding {self.name} --region {t.region} --project "
                f"{t.project} --member={member} --role={INVOKER}")

    def update_job(self, job: JobFacts, flags: str) -> str:
        t = self.target
        return (f"gcloud scheduler jobs update http {job.short} --location {t.region} --project {t.project} "
                f"{flags}")


_COMMAND_LINE = Mark("<command line>", 1, 1)


def read_configuration(service: str, *, project: str | None = None, region: str | None = None,
                       api_endpoint: str | None = None, spec_target: TargetSpec | None = None
                       ) -> tuple[InvokerConfig | None, str]:
    """The configuration of `service`, read through a spec's gcp target or from `--project/--region`
    (`--api-endpoint`: a local fake, no credentials sent); or None and why it could not be read."""
    try:
        if spec_target is None:
            assert project is not None and region is not None
            try:
                config = GcpConfig(project=project, region=region, api_endpoint=api_endpoint,
                                   credentials="anonymous" if api_endpoint else "default")
            except ValueError as exc:
                raise CheckError(str(exc)) from None
            spec_target = TargetSpec("gcp", "command line", config, Path.cwd(), _COMMAND_LINE)
        target = GcpTarget(spec_target)
    except CheckError as exc:
        return None, str(exc)
    try:
        return read_config(target, service), ""
    except CheckError as exc:
        return None, str(exc)
    finally:
        target.close()


def project_logs(project: str, api_endpoint: str | None) -> LogsTarget:
    """The project's Cloud Logging, for `--project` without another log source."""
    cloud = CloudLoggingConfig(project=project, endpoint=api_endpoint,
                               credentials="anonymous" if api_endpoint else "default")
    return LogsTarget(TargetSpec("logs", "command line", LogsConfig(cloud_logging=cloud), Path.cwd(),
                                 _COMMAND_LINE))


def _entries(value: str) -> tuple[str, ...]:
    return tuple(e.strip() for e in value.split(",") if e.strip())


def read_config(target: GcpTarget, service: str) -> InvokerConfig:
    """The service's invoker configuration. The service itself must be readable (else CheckError);
    its IAM policy and the job list are read when they can be, and noted when they cannot."""
    svc = target.service_facts(service, TIMEOUT)
    cfg = InvokerConfig(target, svc)
    env = svc.container(None).env
    names = sorted(env)
    cfg.audience_var = AUDIENCE_VAR if AUDIENCE_VAR in env else next(
        (n for n in names if n.endswith("AUDIENCE")), None)
    if cfg.audience_var is not None:
        var = env[cfg.audience_var]
        cfg.audience_secret = var.secret is not None
        if var.secret is None:
            cfg.audience = (var.value or "").strip() or None
    for n in names:
        kind = "emails" if _EMAILS.search(n) else "subs" if _SUBS.search(n) else None
        if kind is not None:
            var = env[n]
            cfg.allowlists.append(Allowlist(n, kind, None if var.secret else _entries(var.value or "")))
    try:
        policy = target.policy(service, TIMEOUT)
        cfg.invokers = [m for b in policy if b.role == INVOKER and b.condition is None for m in b.members]
        cfg.conditional = [f"{m} (under a condition: {b.condition})" for b in policy
                           if b.role == INVOKER and b.condition is not None for m in b.members]
    except CheckError as exc:
        cfg.notes.append(f"who holds {INVOKER} is not known: {exc}")
    try:
        jobs = target.jobs(TIMEOUT)
        cfg.jobs_read = len(jobs)
        hosts = svc.hosts()
        cfg.jobs = [j for j in jobs if j.target == "http" and urlsplit(j.uri).netloc.lower() in hosts]
    except CheckError as exc:
        cfg.notes.append(f"which scheduler jobs call {service} is not known: {exc}")
    for job in cfg.jobs:
        _check_job(cfg, job)
    return cfg


def _check_job(cfg: InvokerConfig, job: JobFacts) -> None:
    who = f"job {job.short}"
    want = cfg.audience or f"https://{urlsplit(job.uri).netloc}"
    if job.oidc_account is None:
        sent = f"an OAuth access token (as {job.oauth_account})" if job.oauth_account else "no token"
        account = job.oauth_account or "SERVICE_ACCOUNT_EMAIL"
        cfg.mismatches.append(Mismatch(who, f"{who} sends {sent}, not an OIDC ID token", cfg.update_job(
            job, f"--oidc-service-account-email={account} --oidc-token-audience={want}")))
        return
    if cfg.audience is not None and job.audience != cfg.audience:
        cfg.mismatches.append(Mismatch(
            who, f"{who} sends audience {job.audience}; the service expects {cfg.audience} "
                 f"({cfg.audience_var}, revision {cfg.service.revision})",
            cfg.update_job(job, f"--oidc-token-audience={cfg.audience}")))
    account = job.oidc_account
    if cfg.invokers is not None and not cfg.public and \
            not any(m.partition(":")[2].lower() == account.lower() for m in cfg.invokers):
        groups = [m for m in cfg.invokers if m.startswith(("group:", "domain:"))]
        if groups:
            cfg.notes.append(f"{who} calls as {account}: not named in {INVOKER}; it may hold it through "
                             f"{', '.join(groups)}")
        else:
            cfg.mismatches.append(Mismatch(
                who, f"{who} calls as {account}, which does not hold {INVOKER} on {cfg.name} (its own "
                     "policy; a grant on the project is not read)", cfg.grant(f"serviceAccount:{account}")))
    emails, subs = cfg.allowlist("emails"), cfg.allowlist("subs")
    if emails is None and subs is None:
        return
    if emails is not None and emails.holds(account):
        return
    unread = [a.var for a in (emails, subs) if a is not None and a.entries is None]
    if subs is not None and (subs.entries or subs.entries is None):
        cfg.notes.append(f"{who} calls as {account}, which is not in "
                         f"{emails.var if emails else 'an email allowlist'}: its tokens pass only if the "
                         f"account's sub is in {subs.var} (its sub: gcloud iam service-accounts describe "
                         f"{account} --format='value(uniqueId)')")
    elif unread:
        cfg.notes.append(f"{who} calls as {account}: whether {', '.join(unread)} let it in is not known "
                         "(Secret Manager)")
    elif emails is not None and emails.entries is not None:
        cfg.mismatches.append(Mismatch(
            who, f"{who} calls as {account}, which is in no invoker allowlist ({emails.var}"
                 f"{', ' + subs.var if subs else ''})", cfg.set_env(emails.var, emails.entries, [account])))
    elif subs is not None:  # only an empty list of subs
        t = cfg.target
        uid = (f"gcloud iam service-accounts describe {account} --project {t.project} "
               "--format='value(uniqueId)'")
        cfg.mismatches.append(Mismatch(
            who, f"{who} calls as {account}, and {subs.var} is empty",
            f"gcloud run services update {cfg.name} --region {t.region} --project {t.project} "
            f"--update-env-vars={subs.var}=$({uid})"))


def describe(cfg: InvokerConfig) -> list[str]:
    """The configuration, one fact a line (no value but the audience and the allowlists' sizes);
    a line under another starts with two spaces."""
    svc, t = cfg.service, cfg.target
    lines = [f"service {cfg.name} (project {t.project}, region {t.region}), revision {svc.revision}, "
             f"{svc.uri or 'no URL'}"]
    if cfg.audience_var is None:
        lines.append("audience variable: none (no INVOKER_TOKEN_AUDIENCE or *AUDIENCE)")
    else:
        value = "from Secret Manager (not read)" if cfg.audience_secret else cfg.audience or "set but empty"
        lines.append(f"{cfg.audience_var} = {value}")
    for a in cfg.allowlists:
        noun = a.kind if a.entries is None or len(a.entries) != 1 else a.kind[:-1]
        size = "from Secret Manager (not read)" if a.entries is None else f"{len(a.entries)} {noun}"
        lines.append(f"{a.var}: {size}")
    if not cfg.allowlists:
        lines.append("allowlists: none (no *INVOKER*_EMAILS or *INVOKER*_SUBS variable)")
    if cfg.invokers is not None:
        held = ", ".join([*cfg.invokers, *cfg.conditional]) or "nobody"
        public = " (public)" if cfg.public else ""
        lines.append(f"{INVOKER}: {held}{public}")
    if cfg.jobs_read is not None:
        lines.append(f"scheduler jobs calling it: {len(cfg.jobs)} of {cfg.jobs_read} in {t.region}")
        lines += [f"  {j.short}: {j.method} {j.uri}, {_token(j)}, last attempt {j.last_status()}"
                  for j in cfg.jobs]
    return lines


def _token(j: JobFacts) -> str:
    if j.oidc_account is not None:
        return f"OIDC as {j.oidc_account}, audience {j.audience}"
    return f"OAuth as {j.oauth_account}" if j.oauth_account else "no token"

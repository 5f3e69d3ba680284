"""`cloud_run_service`: facts about a deployed Cloud Run service, read from the Cloud Run Admin
API (v2) through the `gcp` target: the environment, service account, scaling and image of its
latest ready revision; its ingress and traffic; who holds roles/run.invoker on it.

Values of environment variables are compared, never printed: the evidence says "set",
"from Secret Manager (secret X, version Y)" or "not set", and whether a value equals the
expected one. A variable from Secret Manager cannot be compared (its value is not read), so
`equals` on it is UNKNOWN, never FALSE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from certify.kinds.base import CheckContext, Finding, KindSpec, Outcome
from certify.spec.binder import meta
from certify.spec.values import CountExpr
from certify.targets.gcp import INVOKER, PUBLIC_MEMBERS, Binding, GcpTarget, ServiceFacts

INGRESS = {"all": "INGRESS_TRAFFIC_ALL", "internal": "INGRESS_TRAFFIC_INTERNAL_ONLY",
           "internal-and-cloud-load-balancing": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"}
_INGRESS_NAMES = {v: k for k, v in INGRESS.items()}
_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def _names(label: str, names: list[str]) -> None:
    for name in names:
        if not _VAR.fullmatch(name):
            raise ValueError(f'{label}: "{name}" is not a variable name'
                             + (" (an unset variable?)" if not name.strip() else ""))


@dataclass(frozen=True)
class EnvClaims:
    """Claims on the environment of the revision's container (values are never printed)."""

    present: list[str] = field(default_factory=list, metadata=meta(
        "variables that must be set (a literal value or a Secret Manager reference)"))
    one_of: list[list[str]] = field(default_factory=list, metadata=meta(
        "groups of variables of which at least one must be set, e.g. [[A_EMAILS, A_SUBS]]"))
    absent: list[str] = field(default_factory=list, metadata=meta("variables that must not be set"))
    equals: dict[str, str] = field(default_factory=dict, metadata=meta(
        "variables whose literal value must be exactly this"))
    from_secret: list[str] = field(default_factory=list, metadata=meta(
        "variables that must come from Secret Manager, not hold a literal value"))

    def __post_init__(self) -> None:
        if not (self.present or self.one_of or self.absent or self.equals or self.from_secret):
            raise ValueError("give at least one of present, one_of, absent, equals, from_secret")
        if any(not group for group in self.one_of):
            raise ValueError("one_of: a group with no variables can never be satisfied")
        for label, names in (("present", self.present), ("one_of", [n for g in self.one_of for n in g]),
                             ("absent", self.absent), ("equals", list(self.equals)),
                             ("from_secret", self.from_secret)):
            _names(label, names)
        both = set(self.absent) & (set(self.present) | set(self.equals) | set(self.from_secret))
        if both:
            raise ValueError(f"absent and present/equals/from_secret both name {', '.join(sorted(both))}")


@dataclass(frozen=True)
class InvokerClaims:
    """Who holds roles/run.invoker in the service's own IAM policy (grants on the project, folder
    or organization are not read). allUsers or allAuthenticatedUsers holding it, or the service
    invoker check turned off, makes the service public."""

    include: list[str] = field(default_factory=list, metadata=meta(
        "members that must hold it: serviceAccount:x@p.iam.gserviceaccount.com, user:..., group:..., "
        "or a bare email (any member type)"))
    exclude: list[str] = field(default_factory=list, metadata=meta("members that must not hold it"))
    public: bool = field(default=False, metadata=meta(
        "true = the service must be public; false (default) = it must not be"))


@dataclass(frozen=True)
class CloudRunServiceFields:
    """Facts about a deployed Cloud Run service, read from its latest ready revision and its IAM
    policy (never from the environment certify runs in)."""

    service: str = field(metadata=meta("the service name (in the target's project and region)"))
    container: str | None = field(default=None, metadata=meta(
        "which container of the revision (default: the only one, or the one that receives requests)"))
    env: EnvClaims | None = field(default=None, metadata=meta("claims on its environment variables"))
    ingress: Literal["all", "internal", "internal-and-cloud-load-balancing"] | None = field(
        default=None, metadata=meta("where requests may come from"))
    invokers: InvokerClaims | None = field(default=None, metadata=meta(
        "who holds roles/run.invoker (allUsers is flagged unless public: true)"))
    service_account: str | None = field(default=None, metadata=meta(
        "the service account the revision runs as (an email)"))
    min_instances: CountExpr | None = field(default=None, metadata=meta(
        'the minimum number of instances, e.g. ">= 1"'))
    max_instances: CountExpr | None = field(default=None, metadata=meta(
        'the maximum number of instances, e.g. "<= 10"'))
    image_digest: str | None = field(default=None, metadata=meta(
        "the image the revision runs, by digest: sha256:<64 hex digits>"))
    traffic: Literal["latest"] | None = field(default=None, metadata=meta(
        "latest = all traffic goes to the latest ready revision"))

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?", self.service):
            raise ValueError(f'service: "{self.service}" is not a Cloud Run service name')
        if self.image_digest is not None and not re.fullmatch(r"sha256:[0-9a-f]{64}", self.image_digest):
            raise ValueError(f'image_digest: "{self.image_digest}" is not sha256:<64 hex digits>')
        claims = (self.env, self.ingress, self.invokers, self.service_account, self.min_instances,
                  self.max_instances, self.image_digest, self.traffic)
        if all(c is None for c in claims):
            raise ValueError("give at least one of env, ingress, invokers, service_account, min_instances, "
                             "max_instances, image_digest, traffic")


# ---------------------------------------------------------------- the claims, one function each


def _env(f: EnvClaims, svc: ServiceFacts, container: str | None, out: Outcome) -> list[str]:
    c = svc.container(container)
    env = c.env
    rev = f"({svc.revision})"
    names = list(dict.fromkeys([*f.present, *(n for g in f.one_of for n in g), *f.absent, *f.equals,
                                *f.from_secret]))
    shown = []
    for n in names:
        var = env.get(n)
        state = var.state if var is not None else "not set"
        out.values[f"env {n}"] = state
        text = var.shown() if var is not None else "is not set"
        if n in f.equals and var is not None and var.state != "secret":
            text += ", equals the expected value" if var.value == f.equals[n] else \
                ", differs from the expected value"
        shown.append(f"  {n} {text}")

    def is_set(n: str) -> bool:
        return n in env and env[n].state in ("set", "secret")

    for n in f.present:
        if not is_set(n):
            out.findings.append(Finding(f"{n} {rev}", f"required, {env[n].shown()}" if n in env else
                                        "required, is not set"))
    for group in f.one_of:
        if not any(is_set(n) for n in group):
            out.findings.append(Finding(f"{' | '.join(group)} {rev}", "none of these is set; one must be"))
    for n in f.absent:
        if n in env:
            out.findings.append(Finding(f"{n} {rev}", f"{env[n].shown()}, and must not be set"))
    for n, expected in f.equals.items():
        var = env.get(n)
        if var is None:
            out.findings.append(Finding(f"{n} {rev}", "is not set; expected a value"))
        elif var.state == "secret":
            out.unproven.append(f"{n} comes from Secret Manager ({var.secret}): its value is not read, so "
                                "whether it equals the expected value is not known")
        elif var.value != expected:
            out.findings.append(Finding(f"{n} {rev}", "differs from the expected value (the value is not "
                                                      "shown)"))
    for n in f.from_secret:
        var = env.get(n)
        if var is None:
            out.findings.append(Finding(f"{n} {rev}", "is not set; expected a Secret Manager reference"))
        elif var.state != "secret":
            out.findings.append(Finding(f"{n} {rev}", "holds a literal value, not a Secret Manager "
                                                      "reference (the value is not shown)"))
    label = f" {c.name}" if c.name else ""
    return [f"env of container{label} ({len(env)} variables; values not shown):", *shown]


def _member_matches(wanted: str, member: str) -> bool:
    """`serviceAccount:x@p` matches itself; a bare email matches a member of any type with it."""
    if ":" in wanted:
        return wanted.lower() == member.lower()
    return member.partition(":")[2].lower() == wanted.lower()


def _invokers(f: InvokerClaims, svc: ServiceFacts, policy: list[Binding], out: Outcome,
              fix_grant: str) -> list[str]:
    plain = [m for b in policy if b.role == INVOKER and b.condition is None for m in b.members]
    conditional = [(m, b.condition) for b in policy if b.role == INVOKER and b.condition is not None
                   for m in b.members]
    where = f"{svc.short} {INVOKER}"
    public = [m for m in plain if m in PUBLIC_MEMBERS]
    if svc.invoker_iam_disabled:
        public.append("everyone (the invoker IAM check is turned off: invokerIamDisabled)")
    out.values["invokers"] = sorted(plain)
    if public and not f.public:
        out.findings.append(Finding(where, f"public: {', '.join(public)} may invoke it"))
    if f.public and not public:
        out.findings.append(Finding(where, "not public: neither allUsers nor allAuthenticatedUsers holds it"))
    for wanted in f.include:
        if any(_member_matches(wanted, m) for m in plain):
            continue
        under = [c for m, c in conditional if _member_matches(wanted, m)]
        if under:
            out.unproven.append(f"{wanted} holds {INVOKER} only under a condition ({under[0]})")
        else:
            member = wanted if ":" in wanted else f"serviceAccount:{wanted}"
            out.findings.append(Finding(where, f"{wanted} does not hold it",
                                        fix=fix_grant.replace("MEMBER", member)))
    for unwanted in f.exclude:
        held = [m for m in plain if _member_matches(unwanted, m)]
        held += [f"{m} (under a condition: {c})" for m, c in conditional if _member_matches(unwanted, m)]
        if held:
            out.findings.append(Finding(where, f"{', '.join(held)} holds it, and must not"))
    lines = [f"{INVOKER}: {', '.join(plain) or 'nobody'} (the service's own policy)"]
    lines += [f"  {m} only under a condition: {c}" for m, c in conditional]
    if public:
        lines.append(f"  public: {', '.join(public)}")
    return lines


def _scalars(f: CloudRunServiceFields, svc: ServiceFacts, container: str | None, out: Outcome) -> list[str]:
    lines = []
    if f.ingress is not None:
        have = _INGRESS_NAMES.get(svc.ingress)
        out.values["ingress"] = have or svc.ingress
        lines.append(f"ingress: {have or svc.ingress}")
        if have is None:
            out.unproven.append(f"the service reports ingress {svc.ingress} (no revision is active?)")
        elif have != f.ingress:
            out.findings.append(Finding(f"{svc.short} ingress", f"{have}, expected {f.ingress}"))
    if f.service_account is not None:
        out.values["service_account"] = svc.service_account
        lines.append(f"service account: {svc.service_account or '(not reported)'}")
        if not svc.service_account:
            out.unproven.append(f"revision {svc.revision} reports no service account")
        elif svc.service_account.lower() != f.service_account.lower():
            out.findings.append(Finding(f"{svc.revision} service account",
                                        f"{svc.service_account}, expected {f.service_account}"))
    if f.min_instances is not None or f.max_instances is not None:
        low = max(svc.min_instances, svc.service_min_instances or 0)
        wide = svc.service_min_instances
        service_wide = f" (service-wide minimum {wide})" if wide else ""
        lines.append(f"instances: min {low}{service_wide}, max "
                     f"{svc.max_instances if svc.max_instances is not None else 'not set'}")
        out.values.update(min_instances=low, max_instances=svc.max_instances)
        if f.min_instances is not None and not f.min_instances.matches(low):
            out.findings.append(Finding(f"{svc.revision} min instances",
                                        f"{low}, expected {f.min_instances}"))
        if f.max_instances is not None:
            if svc.max_instances is None:
                out.unproven.append(f"revision {svc.revision} sets no maximum (Cloud Run's default applies)")
            elif not f.max_instances.matches(svc.max_instances):
                out.findings.append(Finding(f"{svc.revision} max instances",
                                            f"{svc.max_instances}, expected {f.max_instances}"))
    if f.image_digest is not None:
        c = svc.container(container)
        lines.append(f"image: {c.image}")
        out.values["image_digest"] = c.digest or ""
        if c.digest is None:
            out.unproven.append(f"revision {svc.revision} names its image by tag ({c.image}), not by digest: "
                                "which digest it runs is not in its description")
        elif c.digest != f.image_digest:
            out.findings.append(Finding(f"{svc.revision} image", f"{c.digest}, expected {f.image_digest}"))
    if f.traffic is not None:
        share = svc.latest_percent()
        out.values["latest_traffic_percent"] = share
        split = ", ".join(f"{t.percent}% {'latest' if t.latest else t.revision}" for t in svc.traffic)
        lines.append(f"traffic: {split or 'none reported'}")
        if not svc.traffic:
            out.unproven.append("the service reports no traffic (not yet reconciled?)")
        elif share != 100:
            out.findings.append(Finding(f"{svc.short} traffic", f"{share}% on the latest ready revision "
                                                                 f"{svc.revision}, expected 100%"))
    return lines


def _claimed(f: CloudRunServiceFields) -> list[str]:
    """What the check claims, in a few words each (the reason of a pass)."""
    parts = []
    if f.env is not None:
        e = f.env
        names = {*e.present, *(n for g in e.one_of for n in g), *e.absent, *e.equals, *e.from_secret}
        parts.append(f"env ({len(names)} variable{'s' if len(names) != 1 else ''})")
    parts += [label for label, given in (("invokers", f.invokers), ("ingress", f.ingress),
                                         ("service account", f.service_account),
                                         ("instances", f.min_instances or f.max_instances),
                                         ("image digest", f.image_digest), ("traffic", f.traffic))
              if given is not None]
    return parts


def run(f: CloudRunServiceFields, ctx: CheckContext[CloudRunServiceFields]) -> Outcome:
    t: GcpTarget = ctx.target
    name = t.service_name(f.service)
    gcloud = [t.describe_service(f.service)]
    out = ctx.outcome(ran=f"GET {name} (Cloud Run Admin API v2)",
                      reproduce=t.reproduce(gcloud, [f"/v2/{name}"]))
    svc = t.service_facts(f.service, ctx.remaining)
    rev = f"{name}/revisions/{svc.revision}"
    gcloud.append(t.describe_revision(svc.revision))
    rest = [f"/v2/{name}", f"/v2/{rev}"]
    out.ran = f"GET {name}, its latest ready revision {svc.revision}"
    if f.invokers is not None:
        gcloud.append(t.describe_policy(f.service))
        rest.append(f"/v2/{name}:getIamPolicy")
        out.ran += " and its IAM policy"
    out.ran += " (Cloud Run Admin API v2)"
    out.reproduce = t.reproduce(gcloud, rest)
    out.values["revision"] = svc.revision
    lines = [f"service {f.service} (project {t.project}, region {t.region}): latest ready revision "
             f"{svc.revision}, {svc.uri or 'no URL'}"]
    if svc.reconciling:
        lines.append("  (the service is reconciling: a newer revision may be on its way)")
    if f.env is not None:
        lines += _env(f.env, svc, f.container, out)
    if f.invokers is not None:
        grant = (f"gcloud run services add-iam-policy-binding {f.service} --region {t.region} --project "
                 f"{t.project} --member=MEMBER --role={INVOKER}")
        lines += _invokers(f.invokers, svc, t.policy(f.service, ctx.remaining), out, grant)
    lines += _scalars(f, svc, f.container, out)
    out.output = "\n".join(lines)
    out.reason = f"{f.service} (revision {svc.revision}): {', '.join(_claimed(f))} as claimed"
    return out


KIND = KindSpec(
    name="cloud_run_service",
    summary="a deployed Cloud Run service is configured as claimed (env, invokers, ingress, scaling, image, "
            "traffic)",
    fields=CloudRunServiceFields,
    run=run,
    proof="runtime",
    target_type="gcp",
    default_timeout=60.0,
    parallel=8,
    example="""\
- kind: cloud_run_service
  service: oli-api
  env:
    one_of: [[WITHINGS_PULL_INVOKER_EMAILS, WITHINGS_PULL_INVOKER_SUBS]]
    equals: {INVOKER_TOKEN_AUDIENCE: "https://oli-api-1010034434203.us-central1.run.app"}
    from_secret: [WITHINGS_CLIENT_SECRET]
  invokers: {include: ["serviceAccount:oli-functions-runtime@oli-prod.iam.gserviceaccount.com"]}
  ingress: all
  traffic: latest
""",
)

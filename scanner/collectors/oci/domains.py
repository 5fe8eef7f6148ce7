"""Identity Domains: the identity providers other clouds federate to, their SAML apps and
the sign-on policies that decide whether a federated sign-in needs a second factor.

Tenancy-wide. ``IdentityClient.list_domains`` in every compartment of the scope gives each
domain (URL, home region, replica regions, lifecycle). Each ACTIVE domain is then read
through its own REST endpoint (``OciClients.identity_domains(home_region, url)``, the URL
exactly as ``list_domains`` returns it):

* **SAML metadata** (``GET {domain}/fed/v1/metadata``) gives ``entity_id`` (the
  ``EntityDescriptor/@entityID``, e.g. ``https://idcs-….identity.oraclecloud.com:443/fed``)
  and the IdP signing certificate (the first ``IDPSSODescriptor`` signing key):
  ``signing_cert_sha256`` (SHA-256 of the DER certificate) and ``signing_cert_not_after``.
  It is the very document relying parties (AWS IAM SAML providers, Entra federated domains)
  import, so IDF-001 compares like with like. No SCIM resource carries the domain's own
  provider id, and the SDK wraps neither this endpoint nor ``/admin/v1/SigningCert/jwk``
  (which has the certificate but not the entity id): the call goes through the SDK
  client's own signed transport (``base_client.call_api``), read-only.
* ``list_settings`` (raw; ``signingCertPublicAccess`` says whether the metadata is public),
  ``list_authentication_factor_settings`` and ``list_password_policies`` (raw).
* ``list_identity_providers``: external SAML identity providers the domain trusts inbound
  become ``trust.saml`` resources (issuer = ``partnerProviderId``).
* ``list_apps``: every app with a SAML service-provider configuration (``isSamlServiceProvider``
  or the ``samlServiceProvider`` extension) becomes an ``idp.app``; ``sp_entity_id`` is the
  extension's ``partnerProviderId`` (the relying party's entity id).
* ``list_policies`` / ``list_rules`` (policy type SignOn), ``list_conditions``, the
  ``/admin/v1/ConditionGroups`` a rule refers to (REST only, like the metadata) and
  ``list_groups`` (to name the groups conditions refer to by id) give the sign-on policies;
  :mod:`scanner.collectors.oci.signon` documents how the effective result is computed:
  per app from its own policy then the Default Sign-On Policy, and for the domain itself
  (``idp.mfa_required`` / ``mfa_exempt_principals``) from the Default Sign-On Policy
  (id ``DefaultSignOnPolicy``, or the name "Default Sign-On Policy"). Group ids are named
  by their display names; a user condition is reported as it is written (id or user name).

Edges (provenance api): ``idp.app`` → ``idp`` ``member_of``; ``idp.signon_policy`` → the
``idp.app`` it governs ``governs``.

A failed call is a gap (a SAML metadata document that cannot be read is one too, with
error class MalformedResponse). A sign-on call that fails is recorded against the domain
and again against each app whose MFA props it leaves unknown (absent).
"""

from __future__ import annotations

import binascii
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from scanner.collectors.base import Collected, Recorder
from scanner.collectors.oci import signon
from scanner.collectors.oci.clients import OciClients
from scanner.collectors.oci.context import OciUnit, list_all, scim_all, to_plain
from scanner.collectors.oci.errors import classify_oci_error
from scanner.collectors.saml import cert_facts, der_of, parse_document
from scanner.model import Cloud, CollectionGap, Edge, Provenance, Resource

SERVICE = "identity_domains"
DOMAIN_TYPE = "oci.identity.domain"
APP_TYPE = "oci.identity_domains.app"
POLICY_TYPE = "oci.identity_domains.policy"
IDENTITY_PROVIDER_TYPE = "oci.identity_domains.identity_provider"

DOMAIN_ROLE = "Security Administrator"
"""The identity-domain administrator role that covers every domain endpoint read here."""
_IN_DOMAIN = f"domain-role {DOMAIN_ROLE}"
PERMISSIONS: dict[str, str] = {
    "list_domains": "inspect domains",
    "get_saml_metadata": _IN_DOMAIN,
    "list_settings": _IN_DOMAIN,
    "list_authentication_factor_settings": _IN_DOMAIN,
    "list_password_policies": _IN_DOMAIN,
    "list_identity_providers": _IN_DOMAIN,
    "list_apps": _IN_DOMAIN,
    "list_policies": _IN_DOMAIN,
    "list_rules": _IN_DOMAIN,
    "list_conditions": _IN_DOMAIN,
    "list_condition_groups": _IN_DOMAIN,
    "list_groups": _IN_DOMAIN,
}
"""Each operation → what it needs. ``list_domains`` is an IAM policy verb; the domain REST
endpoints authorise the caller by its role in the domain instead ("domain-role …")."""

SCIM_PAGE_SIZE = 100
METADATA_PATH = "/fed/v1/metadata"
CONDITION_GROUPS_PATH = "/admin/v1/ConditionGroups"
SIGNON_FILTER = 'policyType.value eq "SignOn"'
DEFAULT_POLICY_ID = "DefaultSignOnPolicy"
DEFAULT_POLICY_NAME = "Default Sign-On Policy"
SAML_EXTENSION = "urn_ietf_params_scim_schemas_oracle_idcs_extension_saml_service_provider_app"
REPLICATING_STATES = frozenset(
    {"ENABLING_REPLICATION", "REPLICATION_ENABLED", "DISABLING_REPLICATION"}
)

SAML_FIELDS = ["entity_id", "signing_cert_sha256", "signing_cert_not_after"]
MFA_FIELDS = ["mfa_required", "mfa_exempt_principals"]
SIGNON_OPERATIONS = frozenset(
    {"list_policies", "list_rules", "list_conditions", "list_condition_groups", "list_groups"}
)


# ──────────────────────────────── fetching (SDK only) ────────────────────────────────


@dataclass
class DomainData:
    """Everything read about one domain; None where the call failed or was not made."""

    domain: dict[str, Any]
    metadata: str | None = None
    settings: list[Any] | None = None
    factor_settings: list[Any] | None = None
    password_policies: list[Any] | None = None
    identity_providers: list[Any] | None = None
    apps: list[Any] | None = None
    policies: list[Any] | None = None
    rules: list[Any] | None = None
    conditions: list[Any] | None = None
    condition_groups: list[Any] | None = None
    groups: list[Any] | None = None
    read: bool = False
    """The domain's own endpoint was read (it is ACTIVE)."""
    gaps: list[CollectionGap] = field(default_factory=list)


@dataclass(frozen=True)
class _Page:
    resources: list[Any]
    total_results: int


@dataclass(frozen=True)
class _PageResponse:
    data: _Page


def rest_get(client: Any, path: str, response_type: str, query: Mapping[str, Any] | None) -> Any:
    """GET a domain endpoint the SDK does not wrap, through the client's signed transport
    and retry strategy."""
    base = client.base_client
    strategy = base.get_preferred_retry_strategy(
        operation_retry_strategy=None, client_retry_strategy=client.retry_strategy
    )
    kwargs: dict[str, Any] = {
        "resource_path": path,
        "method": "GET",
        "query_params": dict(query or {}),
        "header_params": {"accept": "application/json, application/xml"},
        "response_type": response_type,
    }
    if strategy:
        return strategy.make_retrying_call(base.call_api, **kwargs)
    return base.call_api(**kwargs)


def _condition_groups_page(client: Any) -> Any:
    def page(start_index: int, count: int) -> _PageResponse:
        response = rest_get(
            client, CONDITION_GROUPS_PATH, "object", {"startIndex": start_index, "count": count}
        )
        body = response.data if isinstance(response.data, dict) else {}
        resources = list(body.get("Resources") or [])
        return _PageResponse(_Page(resources, int(body.get("totalResults") or 0)))

    return page


def fetch_domain_list(unit: OciUnit, rec: Recorder) -> list[dict[str, Any]]:
    identity = unit.clients.identity(unit.scope.home_region)
    domains: list[dict[str, Any]] = []
    for compartment in unit.scope.compartments:
        listed = list_all(
            rec,
            "list_domains",
            identity.list_domains,
            compartment,
            resource_type=DOMAIN_TYPE,
            kind="idp",
        )
        domains.extend(listed or [])
    return sorted(domains, key=lambda d: str(d.get("id")))


@dataclass(frozen=True)
class _Reader:
    """Calls on one domain's endpoint; each operation name is the SDK method name."""

    rec: Recorder
    client: Any
    uid: str
    page_size: int

    def on_domain(self, fields: list[str]) -> dict[str, Any]:
        """Gap target: the domain itself, ``fields`` being the props the call fills."""
        return {"resource_type": DOMAIN_TYPE, "resource_uid": self.uid, "fields": fields}

    def scim(
        self, operation: str, gap: Mapping[str, Any], fn: Any = None, **kwargs: Any
    ) -> list[Any] | None:
        call = fn if fn is not None else getattr(self.client, operation)
        return scim_all(self.rec, operation, call, count=self.page_size, **gap, **kwargs)

    def single(self, operation: str) -> list[Any] | None:
        """A domain settings list (one resource, no paging), kept raw."""
        response = self.rec.call(operation, getattr(self.client, operation), **self.on_domain([]))
        if response is None:
            return None
        return list(to_plain(list(response.data.resources or [])))


def fetch_domain(
    clients: OciClients, rec: Recorder, domain: dict[str, Any], page_size: int
) -> DomainData:
    """Read one ACTIVE domain through its own endpoint."""
    client = clients.identity_domains(str(domain["home_region"]), str(domain["url"]))
    reader = _Reader(rec, client, str(domain["id"]), page_size)
    metadata = rec.call(
        "get_saml_metadata",
        rest_get,
        client,
        METADATA_PATH,
        "str",
        None,
        **reader.on_domain(SAML_FIELDS),
    )
    data = DomainData(domain, None if metadata is None else str(metadata.data), read=True)
    data.settings = reader.single("list_settings")
    data.factor_settings = reader.single("list_authentication_factor_settings")
    data.password_policies = reader.scim("list_password_policies", reader.on_domain([]))
    data.identity_providers = reader.scim(
        "list_identity_providers", {"resource_type": IDENTITY_PROVIDER_TYPE, "kind": "trust.saml"}
    )
    data.apps = reader.scim("list_apps", {"resource_type": APP_TYPE, "kind": "idp.app"})
    _fetch_signon(reader, data)
    return data


def _fetch_signon(reader: _Reader, data: DomainData) -> None:
    policy_gap = {"resource_type": POLICY_TYPE, "kind": "idp.signon_policy"}
    signon_only = {"filter": SIGNON_FILTER, "attribute_sets": ["all"]}
    data.policies = reader.scim("list_policies", policy_gap, **signon_only)
    data.rules = reader.scim("list_rules", reader.on_domain(MFA_FIELDS), **signon_only)
    data.conditions = reader.scim("list_conditions", reader.on_domain(MFA_FIELDS))
    needs_groups = any(
        (rule.get("condition_group") or {}).get("type") == "ConditionGroup"
        for rule in data.rules or []
    )
    data.condition_groups = (
        reader.scim(
            "list_condition_groups",
            reader.on_domain(MFA_FIELDS),
            _condition_groups_page(reader.client),
        )
        if needs_groups
        else []
    )
    data.groups = reader.scim(
        "list_groups", reader.on_domain(["mfa_exempt_principals"]), attributes="displayName"
    )


# ──────────────────────────────── reading (pure) ────────────────────────────────


def compact(value: Any) -> Any:
    """Plain data without empty values or secrets (client secrets and their hashes)."""
    if isinstance(value, Mapping):
        return {
            str(k): compact(v)
            for k, v in value.items()
            if v is not None and "secret" not in str(k).lower()
        }
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


def replica_regions(domain: Mapping[str, Any]) -> list[str] | None:
    replicas = domain.get("replica_regions")
    if replicas is None:
        return None
    home = domain.get("home_region")
    return sorted(
        {
            str(r["region"])
            for r in replicas
            if r.get("region") and r.get("region") != home and r.get("state") in REPLICATING_STATES
        }
    )


def _uid(item: Mapping[str, Any], domain_uid: str, collection: str) -> str:
    return str(item.get("ocid") or f"{domain_uid}/{collection}/{item.get('id')}")


def _is_default(policy: Mapping[str, Any]) -> bool:
    return policy.get("id") == DEFAULT_POLICY_ID or policy.get("name") == DEFAULT_POLICY_NAME


@dataclass(frozen=True)
class SignOn:
    """The sign-on configuration of one domain, read."""

    policies: dict[str, dict[str, Any]]
    """SignOn policies by id; empty when they could not be listed."""
    rules: dict[str, list[signon.Rule]]
    """Policy id → its rules; a policy whose rules could not be read is absent."""
    default_id: str | None
    names_known: bool
    """Group ids could be named (``list_groups`` succeeded)."""

    def chain(self, policy_id: str | None) -> list[list[signon.Rule]] | None:
        """The rules evaluated for a sign-in governed by ``policy_id`` (None: default)."""
        if self.default_id is None or self.default_id not in self.rules:
            return None
        default = self.rules[self.default_id]
        if policy_id is None or policy_id == self.default_id:
            return [default]
        own = self.rules.get(policy_id)
        return None if own is None else [own, default]

    def outcome(self, policy_id: str | None) -> signon.Outcome:
        chain = self.chain(policy_id)
        outcome = signon.UNKNOWN if chain is None else signon.evaluate(chain)
        if not self.names_known and outcome.exempt is not None:
            return signon.Outcome(outcome.mfa_required, None)
        return outcome


def _rule_scope(
    rule: Mapping[str, Any],
    conditions: Mapping[str, signon.Condition],
    groups: Mapping[str, Mapping[str, Any]] | None,
    group_names: Mapping[str, str],
) -> tuple[signon.Scope, str | None]:
    """A rule's scope and its conditions as text."""
    ref = rule.get("condition_group") or {}
    if not ref.get("value"):
        text = str(rule.get("condition") or "").strip()
        if not text or text == signon.NEUTRAL_CONDITION:
            return signon.Scope(), text or None
        return signon.Scope(restricted=True), text  # only the deprecated filter: may match
    if ref.get("type") == "ConditionGroup":
        group = None if groups is None else groups.get(str(ref["value"]))
        if group is None:
            return signon.UNKNOWN_SCOPE, None
        operator = str(group.get("operator") or "and")
        members = group.get("conditions") or []
        if any(m.get("type", "Condition") != "Condition" for m in members):
            return signon.Scope(restricted=True), None  # nested groups: may match
        found = [conditions.get(str(m.get("value"))) for m in members]
        if any(c is None for c in found):
            return signon.UNKNOWN_SCOPE, None
        read = [c for c in found if c is not None]
        text = f" {operator} ".join(c.text for c in read)
        return signon.scope_of(read, operator, group_names), text
    condition = conditions.get(str(ref["value"]))
    if condition is None:
        return signon.UNKNOWN_SCOPE, None
    return signon.scope_of([condition], "and", group_names), condition.text


def read_signon(data: DomainData) -> SignOn:
    """The domain's SignOn policies with their rules read (pure)."""
    policies = {str(p["id"]): p for p in data.policies or []}
    default_id = next((pid for pid, p in sorted(policies.items()) if _is_default(p)), None)
    names = {str(g["id"]): str(g.get("display_name") or g["id"]) for g in data.groups or []}
    read: dict[str, list[signon.Rule]] = {}
    if data.rules is not None and data.conditions is not None:
        rules = {str(r["id"]): r for r in data.rules}
        conditions = {str(c["id"]): signon.condition_from_api(c) for c in data.conditions}
        groups = (
            None
            if data.condition_groups is None
            else {str(g["id"]): g for g in data.condition_groups}
        )
        for pid, policy in policies.items():
            read[pid] = [
                _read_rule(ref, rules, conditions, groups, names)
                for ref in policy.get("rules") or []
            ]
    return SignOn(policies, read, default_id, data.groups is not None)


def _read_rule(
    ref: Mapping[str, Any],
    rules: Mapping[str, Mapping[str, Any]],
    conditions: Mapping[str, signon.Condition],
    groups: Mapping[str, Mapping[str, Any]] | None,
    names: Mapping[str, str],
) -> signon.Rule:
    """The rule a policy's ``rules`` entry (id and sequence) refers to, read."""
    sequence = int(ref.get("sequence") or 0)
    rule = rules.get(str(ref.get("value")))
    if rule is None:
        return _unknown_rule(sequence, str(ref.get("name") or ref.get("value")))
    scope, text = _rule_scope(rule, conditions, groups, names)
    allow, mfa = signon.outcome_of(rule.get("_return") or [])
    return signon.Rule(
        sequence=sequence,
        name=str(rule.get("name") or rule["id"]),
        scope=scope,
        allow=allow,
        mfa=mfa,
        active=rule.get("active") is not False,
        conditions=text,
    )


def _unknown_rule(sequence: int, name: str) -> signon.Rule:
    return signon.Rule(sequence, name, signon.UNKNOWN_SCOPE, None, None)


def governing_policy(app: Mapping[str, Any], sign_on: SignOn) -> str | None:
    """The id of the policy that governs sign-in to ``app`` (None: unknown)."""
    ref = app.get("app_signon_policy") or app.get("signon_policy") or {}
    policy = sign_on.policies.get(str(ref.get("value"))) if ref.get("value") else None
    if policy is not None and policy.get("active") is not False:
        return str(policy["id"])
    if ref.get("value") and not sign_on.policies:
        return None  # the app names a policy, but the policies could not be listed
    return sign_on.default_id


def _mfa_props(outcome: signon.Outcome) -> dict[str, Any]:
    props: dict[str, Any] = {"mfa_required": outcome.mfa_required}
    if outcome.exempt is not None:
        props["mfa_exempt_principals"] = list(outcome.exempt)
    return props


def is_saml_app(app: Mapping[str, Any]) -> bool:
    extension = app.get(SAML_EXTENSION) or {}
    return bool(app.get("is_saml_service_provider") or extension.get("partner_provider_id"))


@dataclass(frozen=True)
class Context:
    """What every resource of one domain shares."""

    tenancy: str
    domain_uid: str
    region: str
    entity_id: str | None

    def resource(
        self, uid: str, type_: str, kind: str, name: str, props: dict[str, Any], raw: Any
    ) -> Resource:
        return Resource(
            uid=uid,
            cloud=Cloud.OCI,
            account=self.tenancy,
            region=self.region,
            type=type_,
            kind=kind,
            name=name,
            props=props,
            raw=compact(raw),
        )


def app_resource(app: Mapping[str, Any], ctx: Context, sign_on: SignOn) -> Resource:
    extension = app.get(SAML_EXTENSION) or {}
    policy_id = governing_policy(app, sign_on)
    props: dict[str, Any] = {
        "idp_uid": ctx.domain_uid,
        "sp_entity_id": extension.get("partner_provider_id"),
        "protocol": "saml",
        **_mfa_props(sign_on.outcome(policy_id) if policy_id else signon.UNKNOWN),
    }
    uid = _uid(app, ctx.domain_uid, "apps")
    name = str(app.get("display_name") or app.get("name") or uid)
    return ctx.resource(uid, APP_TYPE, "idp.app", name, props, app)


def policy_resource(
    policy: Mapping[str, Any], rules: Sequence[signon.Rule] | None, apps: list[str], ctx: Context
) -> Resource:
    props: dict[str, Any] = {"idp_uid": ctx.domain_uid, "apps": sorted(apps)}
    if rules is not None and all(r.scope.known for r in rules):  # never a partial list
        props["rules"] = [
            {
                "sequence": r.sequence,
                "name": r.name,
                "active": r.active,
                "conditions": r.conditions,
                "mfa_required": r.mfa,
                "allow_access": r.allow,
                "principals": None if r.scope.include is None else sorted(r.scope.include),
            }
            for r in sorted(rules, key=lambda r: r.sequence)
        ]
    uid = _uid(policy, ctx.domain_uid, "policies")
    return ctx.resource(uid, POLICY_TYPE, "idp.signon_policy", str(policy["name"]), props, policy)


def identity_provider_resource(provider: Mapping[str, Any], ctx: Context) -> Resource:
    """An external SAML identity provider the domain trusts → ``trust.saml``."""
    props: dict[str, Any] = {
        "issuer": provider.get("partner_provider_id"),
        "sp_entity_id": provider.get("tenant_provider_id") or ctx.entity_id,
    }
    certificate = provider.get("signing_certificate")
    if certificate:
        try:
            facts = cert_facts(der_of(str(certificate)))
            props.update(signing_cert_sha256=facts.sha256, signing_cert_not_after=facts.not_after)
        except (binascii.Error, ValueError):
            pass  # an unreadable pinned certificate stays unknown
    encrypted = provider.get("requires_encrypted_assertion")
    if encrypted is not None:
        props["assertion_encryption"] = "required" if encrypted else "allowed"
    uid = _uid(provider, ctx.domain_uid, "identity-providers")
    name = str(provider.get("partner_name") or uid)
    return ctx.resource(uid, IDENTITY_PROVIDER_TYPE, "trust.saml", name, props, provider)


def _is_saml_provider(provider: Mapping[str, Any]) -> bool:
    kind = provider.get("type")
    return bool(provider.get("partner_provider_id")) and kind in (None, "SAML")


def _saml(
    data: DomainData, tenancy: str, region: str
) -> tuple[dict[str, Any], Any, CollectionGap | None]:
    """SAML props and raw of a domain; a MalformedResponse gap if the metadata is not."""
    if data.metadata is None:
        return {}, None, None
    try:
        metadata = parse_document(data.metadata)
        facts = [cert_facts(der) for der in metadata.signing_certs]
    except ValueError as exc:
        gap = CollectionGap(
            cloud=Cloud.OCI,
            account=tenancy,
            region=region,
            service=SERVICE,
            resource_type=DOMAIN_TYPE,
            resource_uid=str(data.domain["id"]),
            fields=SAML_FIELDS,
            operation="get_saml_metadata",
            error_class="MalformedResponse",
            message=str(exc),
        )
        return {}, None, gap
    props: dict[str, Any] = {"entity_id": metadata.entity_id}
    if facts:
        props.update(signing_cert_sha256=facts[0].sha256, signing_cert_not_after=facts[0].not_after)
    raw = {"entity_id": metadata.entity_id, "signing_certs": [asdict(f) for f in facts]}
    return props, raw, None


def domain_resource(
    data: DomainData, ctx: Context, saml: Mapping[str, Any], raw_saml: Any, sign_on: SignOn
) -> Resource:
    props: dict[str, Any] = {
        "replica_regions": replica_regions(data.domain),
        **saml,
        **_mfa_props(sign_on.outcome(None)),
    }
    raw: dict[str, Any] = dict(data.domain)
    if data.read:
        raw.update(
            saml_metadata=raw_saml,
            settings=data.settings,
            authentication_factor_settings=data.factor_settings,
            password_policies=data.password_policies,
        )
    name = str(data.domain.get("display_name") or ctx.domain_uid)
    return ctx.resource(ctx.domain_uid, DOMAIN_TYPE, "idp", name, props, raw)


def _app_gaps(gaps: Iterable[CollectionGap], apps: Sequence[Resource]) -> list[CollectionGap]:
    """Sign-on failures recorded again against each app whose MFA props they left unknown."""
    copies: list[CollectionGap] = []
    for gap in (g for g in gaps if g.operation in SIGNON_OPERATIONS):
        fields = gap.fields if gap.resource_uid else MFA_FIELDS
        for app in apps:
            if any(f not in app.props for f in fields or MFA_FIELDS):
                update = {"resource_uid": app.uid, "resource_type": APP_TYPE, "kind": "idp.app"}
                copies.append(gap.model_copy(update={**update, "fields": fields}))
    return copies


def to_collected(data: DomainData, tenancy: str, fallback_region: str) -> Collected:
    """One domain's payloads → its resources, edges and gaps (pure)."""
    uid = str(data.domain["id"])
    region = str(data.domain.get("home_region") or fallback_region)
    saml, raw_saml, saml_gap = _saml(data, tenancy, region)
    ctx = Context(tenancy, uid, region, saml.get("entity_id"))
    sign_on = read_signon(data)
    out = Collected(gaps=[*data.gaps, *([saml_gap] if saml_gap else [])])
    out.resources.append(domain_resource(data, ctx, saml, raw_saml, sign_on))
    governed: dict[str, list[str]] = {}
    for app in (a for a in data.apps or [] if is_saml_app(a)):
        resource = app_resource(app, ctx, sign_on)
        out.resources.append(resource)
        out.edges.append(
            Edge(src=resource.uid, dst=uid, kind="member_of", provenance=Provenance.API)
        )
        policy_id = governing_policy(app, sign_on)
        if policy_id is not None:
            governed.setdefault(policy_id, []).append(resource.uid)
    apps = [r for r in out.resources if r.kind == "idp.app"]
    for pid, policy in sorted(sign_on.policies.items()):
        resource = policy_resource(policy, sign_on.rules.get(pid), governed.get(pid, []), ctx)
        out.resources.append(resource)
        out.edges.extend(
            Edge(src=resource.uid, dst=app_uid, kind="governs", provenance=Provenance.API)
            for app_uid in sorted(governed.get(pid, []))
        )
    out.resources.extend(
        identity_provider_resource(p, ctx)
        for p in data.identity_providers or []
        if _is_saml_provider(p)
    )
    out.gaps.extend(_app_gaps(data.gaps, apps))
    return out


# ──────────────────────────────── the collection unit ────────────────────────────────


def collect_domains(unit: OciUnit, page_size: int = SCIM_PAGE_SIZE) -> Collected:
    """Every domain of the tenancy; ``page_size`` is the SCIM ``count`` per page."""
    rec = unit.recorder(SERVICE)
    tenancy = unit.scope.tenancy
    collected = Collected()
    for domain in fetch_domain_list(unit, rec):
        region = str(domain.get("home_region") or unit.region)
        data = DomainData(domain=domain)
        if domain.get("lifecycle_state") == "ACTIVE" and domain.get("url"):
            domain_rec = Recorder(Cloud.OCI, tenancy, region, SERVICE, classify_oci_error)
            data = fetch_domain(unit.clients, domain_rec, domain, page_size)
            data.gaps = domain_rec.gaps
            collected.operations |= domain_rec.operations
        collected.extend(to_collected(data, tenancy, unit.region))
    collected.gaps.extend(rec.gaps)
    collected.operations |= rec.operations
    return collected


def collect(unit: OciUnit) -> Collected:
    return collect_domains(unit)

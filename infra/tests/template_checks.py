"""Checks of template.yaml's security properties.

Every check takes the template as a plain dict (intrinsics in their long form, as
cfn-lint's decoder returns them: {"Ref": ...}, {"Fn::GetAtt": [...]}, {"Fn::Sub": ...})
and returns a list of violations, each a sentence naming what is wrong. An empty list
means the property holds. The tests run every check on the real template (expecting
nothing) and on mutated copies (expecting the mutation to be reported), so a check
that cannot fail would be caught.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Iterable, Iterator

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
TABLES_RS = REPO / "shared" / "aws" / "src" / "tables.rs"
AWS_LIB_RS = REPO / "shared" / "aws" / "src" / "lib.rs"
AGGREGATES_RS = REPO / "shared" / "aws" / "src" / "aggregates.rs"
TRIAGE_RS = REPO / "shared" / "aws" / "src" / "triage.rs"
PORTS_RS = REPO / "shared" / "core" / "src" / "ports.rs"
INVENTORY = REPO / "infra" / "aws-actions.toml"

# Logical ids the checks are about.
ROLES = {
    "WebhookFunction": "WebhookRole",
    "MediaFunction": "MediaRole",
    "ClassifierFunction": "ClassifierRole",
    "NotifierFunction": "NotifierRole",
    "DashboardFunction": "DashboardRole",
    "SweeperFunction": "SweeperRole",
}
# Each function's binary (Metadata.BuildProperties.Binary), built from its own crate at
# functions/<binary> (CodeUri).
BINARIES = {
    "WebhookFunction": "webhook",
    "MediaFunction": "media",
    "ClassifierFunction": "classifier",
    "NotifierFunction": "notifier",
    "DashboardFunction": "dashboard",
    "SweeperFunction": "sweeper",
}
CONTACT_KEY = "ContactKey"
PSEUDONYM_KEY = "PseudonymKey"
EVIDENCE_KEY = "EvidenceKey"
EVIDENCE_BUCKET = "EvidenceBucket"
CONVERSATIONS_TABLE = "ConversationsTable"
TRIAGE_TABLE = "TriageTable"

# KMS actions that use a key's material (as opposed to administering the key).
KMS_USAGE_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateMac",
    "kms:VerifyMac",
    "kms:Sign",
    "kms:Verify",
    "kms:DeriveSharedSecret",
]
# Actions that reveal what a ciphertext holds: ReEncryptFrom decrypts inside KMS and
# hands the plaintext to another key the caller may hold.
KMS_DECRYPTING_ACTIONS = ["kms:Decrypt", "kms:ReEncryptFrom"]
# The only actions AWS requires Resource "*" for that a function might need. None of
# Satark's roles uses them (no X-Ray, no custom metrics).
RESOURCE_STAR_ACTIONS = {"xray:puttracesegments", "xray:puttelemetryrecords", "cloudwatch:putmetricdata"}
# Never in a function's policies: they would let a role widen its own access.
FORBIDDEN_ACTIONS = ["iam:*", "sts:AssumeRole", "kms:CreateGrant", "kms:PutKeyPolicy", "lambda:UpdateFunctionConfiguration"]


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def load_template(path: Path | None = None) -> dict:
    """The template as plain dicts and lists, through cfn-lint's decoder (it knows the
    short-form intrinsics such as !GetAtt and !Sub). SATARK_TEMPLATE points the tests
    at another file, e.g. a scratch copy broken on purpose."""
    from cfnlint.decode import decode

    path = path or Path(os.environ.get("SATARK_TEMPLATE") or TEMPLATE)

    template, matches = decode(str(path))
    if matches:
        raise ValueError(f"{path} does not decode: {[str(m) for m in matches]}")
    # Drop cfn-lint's node classes (line marks) for plain JSON values.
    return json.loads(json.dumps(template))


def sam_transform(template: dict) -> dict:
    """The CloudFormation template SAM would deploy (offline: samtranslator, as bundled
    with the SAM CLI). CodeUri becomes an S3 URI, as `sam package` would make it."""
    from samtranslator.translator.transform import transform

    doc = copy.deepcopy(template)
    doc.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = "s3://satark-artifacts/satark.zip"
    for res in doc.get("Resources", {}).values():
        if res.get("Type") == "AWS::Serverless::Function" and "CodeUri" in res.get("Properties", {}):
            res["Properties"]["CodeUri"] = "s3://satark-artifacts/satark.zip"

    class NoManagedPolicies:
        def load(self) -> dict:
            return {}

    params = {
        "WhatsAppSecretArn": "arn:aws:secretsmanager:ap-south-1:123456789012:secret:satark/whatsapp-AbCdEf",
        "WhatsAppPhoneNumberId": "109876543210987",
        "CognitoDomainPrefix": "satark-test",
    }
    region = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region or "ap-south-1"
    try:
        return transform(doc, params, NoManagedPolicies())
    finally:
        if region is None:
            del os.environ["AWS_DEFAULT_REGION"]


# --------------------------------------------------------------------------------------
# Template helpers
# --------------------------------------------------------------------------------------


def resources(template: dict, type_: str | None = None) -> dict[str, dict]:
    res = template.get("Resources", {})
    return {k: v for k, v in res.items() if type_ is None or v.get("Type") == type_}


def props(template: dict, logical_id: str) -> dict:
    return template.get("Resources", {}).get(logical_id, {}).get("Properties", {}) or {}


def as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


def refs(node: Any) -> set[str]:
    """Logical ids (and parameters) a value refers to: Ref, Fn::GetAtt, and ${X} or
    ${X.Attr} inside Fn::Sub. Pseudo parameters (AWS::...) are left out."""
    found: set[str] = set()

    def walk(n: Any) -> None:
        if isinstance(n, dict):
            for key, value in n.items():
                if key == "Ref" and isinstance(value, str):
                    found.add(value)
                elif key == "Fn::GetAtt":
                    if isinstance(value, list) and value:
                        found.add(str(value[0]))
                    elif isinstance(value, str):
                        found.add(value.split(".")[0])
                elif key == "Fn::Sub":
                    text = value[0] if isinstance(value, list) else value
                    if isinstance(text, str):
                        for var in _SUB_VAR.findall(text):
                            found.add(var.split(".")[0])
                    if isinstance(value, list) and len(value) > 1:
                        walk(value[1])
                else:
                    walk(value)
        elif isinstance(n, list):
            for item in n:
                walk(item)

    walk(node)
    return {r for r in found if not r.startswith("AWS::")}


def literal_text(node: Any) -> str:
    """The literal parts of a value (strings, and Fn::Sub templates), for pattern checks."""
    if isinstance(node, str):
        return node
    if isinstance(node, dict) and "Fn::Sub" in node:
        value = node["Fn::Sub"]
        return value[0] if isinstance(value, list) else str(value)
    if isinstance(node, (dict, list)):
        return json.dumps(node)
    return str(node)


def statements(document: Any) -> list[dict]:
    if not isinstance(document, dict):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def actions_of(stmt: dict) -> list[str]:
    return [a for a in as_list(stmt.get("Action")) if isinstance(a, str)]


def action_allowed(stmt: dict, action: str) -> bool:
    """True if an Allow statement covers `action` (wildcards and NotAction included)."""
    if stmt.get("Effect") != "Allow":
        return False
    if "NotAction" in stmt:
        return not any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in as_list(stmt["NotAction"]))
    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in actions_of(stmt))


def action_covered(stmt: dict, action: str) -> bool:
    """Like action_allowed, for any effect."""
    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in actions_of(stmt))


def resource_is_wild(resource: Any, template: dict) -> bool:
    """A resource entry that names no resource of the template but has a wildcard (or is
    "*"): it could match anything, including the keys and tables checked here."""
    text = literal_text(resource)
    if text == "*":
        return True
    named = refs(resource) & set(template.get("Resources", {}))
    return "*" in text and not named


def touches(stmt: dict, logical_id: str, template: dict) -> bool:
    """True if the statement's resources may include `logical_id` (named, or wildcard)."""
    if "NotResource" in stmt:
        return True
    for resource in as_list(stmt.get("Resource")):
        if logical_id in refs(resource) or resource_is_wild(resource, template):
            return True
    return False


def identity_statements(template: dict) -> list[tuple[str | None, str, dict]]:
    """Every IAM identity-policy statement: (role logical id or None, where, statement).
    Inline role policies, AWS::IAM::RolePolicy / Policy / ManagedPolicy attached to
    roles, and SAM function Policies (attached to the role SAM would generate)."""
    out: list[tuple[str | None, str, dict]] = []
    for lid, res in resources(template).items():
        p = res.get("Properties", {}) or {}
        t = res.get("Type")
        if t == "AWS::IAM::Role":
            for pol in as_list(p.get("Policies")):
                for s in statements(pol.get("PolicyDocument")):
                    out.append((lid, f"{lid}.Policies", s))
        elif t == "AWS::IAM::RolePolicy":
            role = next(iter(refs(p.get("RoleName"))), None)
            for s in statements(p.get("PolicyDocument")):
                out.append((role, lid, s))
        elif t in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            roles = [next(iter(refs(r)), None) for r in as_list(p.get("Roles"))] or [None]
            for role in roles:
                for s in statements(p.get("PolicyDocument")):
                    out.append((role, lid, s))
        elif t == "AWS::Serverless::Function":
            for pol in as_list(p.get("Policies")):
                for s in statements(pol) if isinstance(pol, dict) else []:
                    out.append((f"{lid}Role", f"{lid}.Policies", s))
    return out


def role_statements(template: dict, role: str) -> list[tuple[str, dict]]:
    return [(where, s) for r, where, s in identity_statements(template) if r == role]


def named_principals(stmt: dict, template: dict) -> set[str]:
    """The Principal element of a resource-policy statement as written: "*", "root",
    "role:<logical id>" (a role of the template named as the principal),
    "service:<name>", or the literal ARN."""
    if "NotPrincipal" in stmt:
        return {"*"}
    principal = stmt.get("Principal")
    if principal == "*":
        return {"*"}
    out: set[str] = set()
    if isinstance(principal, dict):
        for value in as_list(principal.get("AWS")):
            text = literal_text(value)
            named_roles = refs(value) & set(resources(template, "AWS::IAM::Role"))
            if text == "*":
                out.add("*")
            elif named_roles:
                out.update(f"role:{r}" for r in named_roles)
            elif text.endswith(":root") or re.fullmatch(r"[0-9]{12}", text) or value == {"Ref": "AWS::AccountId"}:
                out.add("root")
            else:
                out.add(text)
        for value in as_list(principal.get("Service")):
            out.add(f"service:{literal_text(value)}")
    return out


# Condition operators that narrow an Allow to the principals they name.
_PRINCIPAL_ARN_MATCHES = ("ArnEquals", "StringEquals", "ArnLike", "StringLike")


def principal_arn_condition(stmt: dict, template: dict) -> set[str] | None:
    """The principals an aws:PrincipalArn condition narrows a statement to, as
    "role:<logical id>" (or the literal ARN, or "*" for a pattern that could match
    anything); None without such a condition."""
    condition = stmt.get("Condition", {}) or {}
    found: set[str] | None = None
    for operator in _PRINCIPAL_ARN_MATCHES:
        values = (condition.get(operator) or {}).get("aws:PrincipalArn")
        if values is None:
            continue
        names: set[str] = set()
        for value in as_list(values):
            roles = refs(value) & set(resources(template, "AWS::IAM::Role"))
            text = literal_text(value)
            if roles and "*" not in text.replace("${", "").replace("}", ""):
                names.update(f"role:{r}" for r in roles)
            elif "*" in text or "?" in text:
                names.add("*")
            else:
                names.add(text)
        # Several operators must all hold: the statement covers their intersection (a
        # pattern that matches anything bounds nothing).
        if found is None or "*" in found:
            found = names
        elif "*" not in names:
            found = found & names
    return found


def principals(stmt: dict, template: dict) -> set[str]:
    """Who a resource-policy statement is about: "*", "root", "role:<logical id>",
    "service:<name>", or the literal ARN. An account principal narrowed by an
    aws:PrincipalArn condition (how the key policies allow a role without naming it) is
    about the principals the condition names."""
    named = named_principals(stmt, template)
    if stmt.get("Effect") == "Allow" and named & {"root", "*"}:
        narrowed = principal_arn_condition(stmt, template)
        if narrowed is not None and "*" not in narrowed:
            return (named - {"root", "*"}) | narrowed
    return named


def key_policy(template: dict, key: str) -> list[dict]:
    return statements(props(template, key).get("KeyPolicy"))


def key_usage(template: dict, key: str) -> dict[str, set[str]]:
    """Who may use `key`, and for what: from its key policy (Allow statements, by
    principal) and from every role's identity policies that reach it."""
    usage: dict[str, set[str]] = {}
    for stmt in key_policy(template, key):
        allowed = {a for a in KMS_USAGE_ACTIONS if action_allowed(stmt, a)}
        if allowed:
            for who in principals(stmt, template):
                usage.setdefault(who, set()).update(allowed)
    for role, _where, stmt in identity_statements(template):
        if touches(stmt, key, template):
            allowed = {a for a in KMS_USAGE_ACTIONS if action_allowed(stmt, a)}
            if allowed:
                usage.setdefault(f"role:{role}", set()).update(allowed)
    return usage


def function_environment(template: dict, function: str) -> dict:
    env = dict(template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}) or {})
    env.update(props(template, function).get("Environment", {}).get("Variables", {}) or {})
    return env


def function_property(template: dict, function: str, name: str, default: Any = None) -> Any:
    p = props(template, function)
    if name in p:
        return p[name]
    return template.get("Globals", {}).get("Function", {}).get(name, default)


def events_of(template: dict, function: str, type_: str | None = None) -> dict[str, dict]:
    events = props(template, function).get("Events", {}) or {}
    return {k: v for k, v in events.items() if type_ is None or v.get("Type") == type_}


# --------------------------------------------------------------------------------------
# (1) Only the notifier can decrypt with the contact key; the webhook may only encrypt.
# --------------------------------------------------------------------------------------


def _only_these_use(template: dict, key: str, allowed: dict[str, set[str]]) -> list[str]:
    problems = []
    if key not in resources(template, "AWS::KMS::Key"):
        return [f"{key} is not a KMS key of the template"]
    for who, acts in sorted(key_usage(template, key).items()):
        extra = acts - allowed.get(who, set())
        if extra:
            problems.append(f"{who} may {sorted(extra)} with {key}")
    return problems


def _explicit_deny_except(template: dict, key: str, actions: list[str], role: str) -> list[str]:
    for stmt in key_policy(template, key):
        if stmt.get("Effect") != "Deny" or principals(stmt, template) != {"*"}:
            continue
        if not all(action_covered(stmt, a) for a in actions):
            continue
        condition = stmt.get("Condition", {}) or {}
        for operator in ("ArnNotEquals", "StringNotEquals", "ArnNotLike", "StringNotLike"):
            values = (condition.get(operator) or {}).get("aws:PrincipalArn")
            if values is not None and any(role in refs(v) for v in as_list(values)):
                others = [k for k in condition if k != operator]
                if not others:
                    return []
    return [f"{key}'s policy has no explicit Deny of {actions} for every principal but {role}"]


def check_contact_key(template: dict) -> list[str]:
    problems = _only_these_use(
        template,
        CONTACT_KEY,
        {"role:WebhookRole": {"kms:Encrypt"}, "role:NotifierRole": {"kms:Decrypt"}},
    )
    usage = key_usage(template, CONTACT_KEY)
    if "kms:Decrypt" not in usage.get("role:NotifierRole", set()):
        problems.append("the notifier role cannot decrypt reply addresses")
    if "kms:Encrypt" not in usage.get("role:WebhookRole", set()):
        problems.append("the webhook role cannot seal reply addresses")
    problems += _explicit_deny_except(template, CONTACT_KEY, KMS_DECRYPTING_ACTIONS, "NotifierRole")
    return problems


# --------------------------------------------------------------------------------------
# (2) Only the webhook (pseudonyms) and the notifier (message keys of what it sent, the
# jobs' pseudonyms being in its hands already) can use the HMAC key, and only for
# GenerateMac.
# --------------------------------------------------------------------------------------

PSEUDONYM_KEY_USERS = ("WebhookRole", "NotifierRole")


def check_pseudonym_key(template: dict) -> list[str]:
    problems = _only_these_use(
        template, PSEUDONYM_KEY, {f"role:{role}": {"kms:GenerateMac"} for role in PSEUDONYM_KEY_USERS}
    )
    usage = key_usage(template, PSEUDONYM_KEY)
    if "kms:GenerateMac" not in usage.get("role:WebhookRole", set()):
        problems.append("the webhook role cannot derive the pseudonym key")
    if "kms:GenerateMac" not in usage.get("role:NotifierRole", set()):
        problems.append("the notifier role cannot derive message keys")
    p = props(template, PSEUDONYM_KEY)
    if p.get("KeySpec") != "HMAC_256" or p.get("KeyUsage") != "GENERATE_VERIFY_MAC":
        problems.append("PseudonymKey is not an HMAC_256 GENERATE_VERIFY_MAC key")
    for role in PSEUDONYM_KEY_USERS:
        problems += _explicit_deny_except(template, PSEUDONYM_KEY, ["kms:GenerateMac", "kms:VerifyMac"], role)
    return problems


# What an administrator may never do with a key: hand anyone (themselves) its use.
KMS_ADMIN_FORBIDDEN = ["kms:CreateGrant"]


def check_root_cannot_use_keys(template: dict) -> list[str]:
    """The account root administers every key but uses none, so no IAM policy alone can
    grant use; it cannot create grants (which would give a principal use); and it can
    still administer each (no lockout)."""
    problems = []
    for key in resources(template, "AWS::KMS::Key"):
        administers = False
        for stmt in key_policy(template, key):
            if "root" not in principals(stmt, template) and "*" not in principals(stmt, template):
                continue
            if "root" in principals(stmt, template):
                administers = administers or action_allowed(stmt, "kms:PutKeyPolicy")
                for action in KMS_ADMIN_FORBIDDEN:
                    if action_allowed(stmt, action):
                        problems.append(f"the account root may {action} on {key}: a grant gives use")
                wild = [a for a in actions_of(stmt) if "*" in a or "?" in a]
                if wild or "NotAction" in stmt:
                    problems.append(f"{key}'s administrators' statement has wildcard actions {wild}: list them")
            for action in KMS_USAGE_ACTIONS:
                if action_allowed(stmt, action):
                    if "root" in principals(stmt, template):
                        problems.append(f"the account root may {action} with {key}")
                    elif key in (CONTACT_KEY, PSEUDONYM_KEY, EVIDENCE_KEY) and not _service_scoped(stmt):
                        problems.append(f"every principal may {action} with {key}")
        if not administers:
            problems.append(f"the account root cannot administer {key} (PutKeyPolicy)")
    return problems


def _service_scoped(stmt: dict) -> bool:
    condition = stmt.get("Condition", {}) or {}
    equals = condition.get("StringEquals", {}) or {}
    return "kms:ViaService" in equals and "kms:CallerAccount" in equals


def check_evidence_key(template: dict) -> list[str]:
    """Evidence keys are used by the media role (writing), the classifier role (reading
    the media records: its S3 grant is `evidence/*.json` only) and, once the dashboard
    presigns evidence URLs, by the dashboard role (reading): by nobody else, ever. What
    each uses today, exactly, is the inventory's (check_inventory)."""
    return _only_these_use(
        template,
        EVIDENCE_KEY,
        {
            "role:MediaRole": {"kms:GenerateDataKey"},
            "role:ClassifierRole": {"kms:Decrypt"},
            "role:DashboardRole": {"kms:Decrypt"},
        },
    )


# What every role's use of a key is bound to, besides who the role is.
KEY_USE_CONDITIONS = {
    CONTACT_KEY: ("StringEquals", "kms:EncryptionContext:purpose", "satark-reply-address"),
    PSEUDONYM_KEY: ("StringEquals", "kms:MacAlgorithm", "HMAC_SHA_256"),
    EVIDENCE_KEY: ("StringEquals", "kms:ViaService", "s3.${AWS::Region}.amazonaws.com"),
}


def check_key_use_conditions(template: dict) -> list[str]:
    """Each statement letting a role use a key keeps that key's condition: reply
    addresses only under their encryption context (which holds no personal data), the
    pseudonym key only for HMAC-SHA-256, evidence only through S3."""
    problems = []
    for key, (operator, name, value) in KEY_USE_CONDITIONS.items():
        for stmt in key_policy(template, key):
            if stmt.get("Effect") != "Allow" or not any(p.startswith("role:") for p in principals(stmt, template)):
                continue
            values = ((stmt.get("Condition") or {}).get(operator) or {}).get(name)
            if [literal_text(v) for v in as_list(values)] != [value]:
                problems.append(f"{key}'s statement {stmt.get('Sid', '?')} does not require {name} = {value}")
    return problems


def check_key_principals(template: dict) -> list[str]:
    """Key policies never name a role of the stack as their Principal: KMS validates
    named principals when the policy is set, and a role created moments earlier in the
    same stack may not have propagated, which fails the first deploy (CloudFormation does
    not retry it). Roles are allowed through the account principal and an
    aws:PrincipalArn condition instead."""
    problems = []
    for key in resources(template, "AWS::KMS::Key"):
        for stmt in key_policy(template, key):
            named = {p for p in named_principals(stmt, template) if p.startswith("role:")}
            if named:
                problems.append(
                    f"{key}'s statement {stmt.get('Sid', '?')} names {sorted(named)} as its principal:"
                    " use the account root and an aws:PrincipalArn condition"
                )
    return problems


# --------------------------------------------------------------------------------------
# (3) The dashboard cannot reach reply addresses.
# --------------------------------------------------------------------------------------

DASHBOARD_FORBIDDEN_ENV = ["SATARK_CONTACT_KEY_ID", "SATARK_CONVERSATIONS_TABLE", "SATARK_PSEUDONYM_KEY_ID"]


def check_dashboard_isolation(template: dict) -> list[str]:
    problems = []
    role_ref = refs(props(template, "DashboardFunction").get("Role"))
    if role_ref != {"DashboardRole"}:
        problems.append(f"DashboardFunction does not run as DashboardRole ({sorted(role_ref)})")
    for where, stmt in role_statements(template, "DashboardRole"):
        for target in (CONVERSATIONS_TABLE, CONTACT_KEY, PSEUDONYM_KEY):
            if touches(stmt, target, template):
                problems.append(f"DashboardRole statement {stmt.get('Sid', '?')} in {where} reaches {target}")
    for key in (CONTACT_KEY, PSEUDONYM_KEY):
        for stmt in key_policy(template, key):
            if stmt.get("Effect") == "Allow" and "role:DashboardRole" in principals(stmt, template):
                problems.append(f"{key}'s policy allows DashboardRole {actions_of(stmt)}")
    env = function_environment(template, "DashboardFunction")
    for name in DASHBOARD_FORBIDDEN_ENV:
        if name in env:
            problems.append(f"DashboardFunction's environment has {name}")
    for name, value in env.items():
        for target in (CONVERSATIONS_TABLE, CONTACT_KEY, PSEUDONYM_KEY):
            if target in refs(value):
                problems.append(f"DashboardFunction's environment variable {name} names {target}")
    return problems


# --------------------------------------------------------------------------------------
# (3b) The triage table (fingerprints keyed by informants' pseudonyms, pending alerts,
# the learned model) is the classifier's: the sweeper reaches its ALERT partition only
# (escalation), the dashboard may later read the model; the roles that face WhatsApp or
# send to informants (webhook, media, notifier) never reach it.
# --------------------------------------------------------------------------------------

TRIAGE_TABLE_ROLES = {"ClassifierRole", "SweeperRole", "DashboardRole"}
TRIAGE_TABLE_FUNCTIONS = {f for f, r in ROLES.items() if r in TRIAGE_TABLE_ROLES}
# The only partition the sweeper's escalation reads and deletes in.
SWEEPER_TRIAGE_PARTITIONS = ["ALERT"]


def _leading_keys(stmt: dict) -> list[str] | None:
    """The partition keys a ForAllValues condition on dynamodb:LeadingKeys narrows a
    statement to; None without one."""
    condition = stmt.get("Condition", {}) or {}
    for operator in ("ForAllValues:StringEquals", "ForAllValues:StringLike"):
        values = (condition.get(operator) or {}).get("dynamodb:LeadingKeys")
        if values is not None:
            return sorted(literal_text(v) for v in as_list(values))
    return None


def check_triage_isolation(template: dict) -> list[str]:
    problems = []
    if TRIAGE_TABLE not in resources(template, "AWS::DynamoDB::Table"):
        return [f"{TRIAGE_TABLE} is not a table of the template"]
    for role, where, stmt in identity_statements(template):
        if not touches(stmt, TRIAGE_TABLE, template):
            continue
        sid = stmt.get("Sid", "?")
        if role not in TRIAGE_TABLE_ROLES:
            problems.append(f"{role} statement {sid} in {where} reaches {TRIAGE_TABLE}")
        elif role == "SweeperRole" and stmt.get("Effect") == "Allow":
            keys = _leading_keys(stmt)
            if keys != SWEEPER_TRIAGE_PARTITIONS:
                problems.append(
                    f"SweeperRole statement {sid} reaches {TRIAGE_TABLE} beyond its ALERT partition"
                    f" (dynamodb:LeadingKeys {keys})"
                )
    for function in resources(template, "AWS::Serverless::Function"):
        if function in TRIAGE_TABLE_FUNCTIONS:
            continue
        env = function_environment(template, function)
        if "SATARK_TRIAGE_TABLE" in env:
            problems.append(f"{function}'s environment has SATARK_TRIAGE_TABLE")
        for name, value in env.items():
            if TRIAGE_TABLE in refs(value):
                problems.append(f"{function}'s environment variable {name} names {TRIAGE_TABLE}")
    return problems


# Each function's environment, exactly: what it needs and nothing else. The inventory
# (infra/aws-actions.toml) says which variables each function reads.


def load_inventory(path: Path | None = None) -> dict:
    """infra/aws-actions.toml: per function, its role, environment and grants.
    SATARK_INVENTORY points the tests at another file."""
    path = path or Path(os.environ.get("SATARK_INVENTORY") or INVENTORY)
    with open(path, "rb") as f:
        return tomllib.load(f)


def expected_environment(inventory: dict) -> dict[str, set[str]]:
    return {
        spec["function"]: set(spec.get("environment", []))
        for spec in inventory.get("functions", {}).values()
    }


# What each variable must name.
ENVIRONMENT_TARGETS = {
    "SATARK_CONVERSATIONS_TABLE": "ConversationsTable",
    "SATARK_DEDUPE_TABLE": "DedupeTable",
    "SATARK_REPORTS_TABLE": "ReportsTable",
    "SATARK_AGGREGATES_TABLE": "AggregatesTable",
    "SATARK_AUDIT_TABLE": "AuditTable",
    "SATARK_THREADS_TABLE": "ThreadsTable",
    "SATARK_TRIAGE_TABLE": "TriageTable",
    "SATARK_EVIDENCE_BUCKET": "EvidenceBucket",
    "SATARK_EVIDENCE_KEY_ID": "EvidenceKey",
    "SATARK_OUTBOUND_QUEUE_URL": "OutboundQueue",
    "SATARK_MEDIA_QUEUE_URL": "MediaQueue",
    "SATARK_REPORTS_QUEUE_URL": "ReportsQueue",
    "SATARK_PSEUDONYM_KEY_ID": "PseudonymKey",
    "SATARK_CONTACT_KEY_ID": "ContactKey",
    "SATARK_WHATSAPP_SECRET_ARN": "WhatsAppSecretArn",
    "SATARK_WHATSAPP_PHONE_NUMBER_ID": "WhatsAppPhoneNumberId",
    "SATARK_GRAPH_API_VERSION": "GraphApiVersion",
    "SATARK_ESCALATE_AFTER_MINUTES": "EscalateAfterMinutes",
    "RUST_LOG": "LogLevel",
}


# Where a queue consumer moves a job that can never succeed: its own queue's DLQ.
DEAD_LETTER_VARIABLE = "SATARK_DEAD_LETTER_QUEUE_URL"


def _own_dead_letter_queue(template: dict, function: str) -> str | None:
    for event in events_of(template, function, "SQS").values():
        queue = next(iter(refs(event.get("Properties", {}).get("Queue")) & set(resources(template, "AWS::SQS::Queue"))), None)
        redrive = props(template, queue).get("RedrivePolicy") if queue else None
        if redrive:
            return next(iter(refs(redrive.get("deadLetterTargetArn"))), None)
    return None


def check_function_environments(template: dict, inventory: dict | None = None) -> list[str]:
    problems = []
    inventory = inventory if inventory is not None else load_inventory()
    expected_all = expected_environment(inventory)
    for function in resources(template, "AWS::Serverless::Function"):
        if function not in expected_all:
            problems.append(f"{function} is not in infra/aws-actions.toml")
    for function, expected in expected_all.items():
        env = function_environment(template, function)
        extra, missing = set(env) - expected, expected - set(env)
        if extra:
            problems.append(f"{function} gets variables it does not need: {sorted(extra)}")
        if missing:
            problems.append(f"{function} lacks {sorted(missing)}")
        for name, value in env.items():
            target = ENVIRONMENT_TARGETS.get(name)
            if name == DEAD_LETTER_VARIABLE:
                target = _own_dead_letter_queue(template, function)
            if target and refs(value) != {target}:
                problems.append(f"{function}'s {name} does not name {target}")
            elif name == DEAD_LETTER_VARIABLE and not target:
                problems.append(f"{function} has {name} but consumes no queue with a dead-letter queue")
    # The secret's values are never parameters: only its ARN is.
    for name, param in template.get("Parameters", {}).items():
        if re.search(r"token|app_?secret|password", name, re.I) and not name.endswith("Arn"):
            problems.append(f"parameter {name} looks like a secret value; pass a Secrets Manager ARN")
        if param.get("NoEcho"):
            problems.append(f"parameter {name} is NoEcho: secrets belong in Secrets Manager")
    return problems


# --------------------------------------------------------------------------------------
# (4) Least privilege: no wildcard actions, no Resource "*", nothing that escalates.
# --------------------------------------------------------------------------------------


def check_least_privilege(template: dict) -> list[str]:
    problems = []
    for role, where, stmt in identity_statements(template):
        sid = stmt.get("Sid", "?")
        for key in ("NotAction", "NotResource"):
            if key in stmt:
                problems.append(f"{where} statement {sid} uses {key}")
        for action in actions_of(stmt):
            if "*" in action:
                problems.append(f"{where} statement {sid} has wildcard action {action}")
        if stmt.get("Effect") == "Allow":
            for forbidden in FORBIDDEN_ACTIONS:
                if any(fnmatch.fnmatchcase(a.lower(), forbidden.lower()) or
                       fnmatch.fnmatchcase(forbidden.lower(), a.lower()) for a in actions_of(stmt)):
                    problems.append(f"{where} statement {sid} allows {forbidden}")
        if not as_list(stmt.get("Resource")) and "NotResource" not in stmt:
            problems.append(f"{where} statement {sid} has no Resource")
        for resource in as_list(stmt.get("Resource")):
            if resource_is_wild(resource, template):
                needs_star = {a.lower() for a in actions_of(stmt)} <= RESOURCE_STAR_ACTIONS
                if not needs_star:
                    problems.append(f"{where} statement {sid} has wildcard resource {literal_text(resource)}")
    for lid, res in resources(template, "AWS::IAM::Role").items():
        managed = as_list(res.get("Properties", {}).get("ManagedPolicyArns"))
        for arn in managed:
            # Even AWSLambdaBasicExecutionRole grants more than a function needs (every
            # log group of the account); each role's own log group is in its policy.
            problems.append(f"{lid} has managed policy {literal_text(arn)}")
    for function in resources(template, "AWS::Serverless::Function"):
        p = props(template, function)
        if "Policies" in p:
            problems.append(f"{function} uses SAM Policies instead of its explicit role")
        expected_role = ROLES.get(function)
        if refs(p.get("Role")) != {expected_role}:
            problems.append(f"{function} does not run as {expected_role}")
    roles_used = [
        next(iter(refs(props(template, f).get("Role"))), None)
        for f in resources(template, "AWS::Serverless::Function")
    ]
    for role in set(roles_used):
        if roles_used.count(role) > 1:
            problems.append(f"{role} is shared by several functions")
    if resources(template, "AWS::Lambda::Function"):
        problems.append("raw AWS::Lambda::Function resources escape these checks")
    return problems


# --------------------------------------------------------------------------------------
# (5) Queues: partial batch failures, dead-letter queues with alarms, visibility.
# --------------------------------------------------------------------------------------


def _queue_of(value: Any, template: dict) -> str | None:
    named = refs(value) & set(resources(template, "AWS::SQS::Queue"))
    return next(iter(named), None)


def check_queues(template: dict) -> list[str]:
    problems = []
    queues = resources(template, "AWS::SQS::Queue")
    dlqs: dict[str, str] = {}
    for lid, res in queues.items():
        p = res.get("Properties", {})
        if not (p.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in p):
            problems.append(f"{lid} is not encrypted at rest")
        redrive = p.get("RedrivePolicy")
        if redrive:
            dlq = _queue_of(redrive.get("deadLetterTargetArn"), template)
            if dlq is None:
                problems.append(f"{lid}'s dead-letter queue is not in the template")
                continue
            dlqs[dlq] = lid
            if int(redrive.get("maxReceiveCount", 0)) != 5:
                problems.append(f"{lid} dead-letters after {redrive.get('maxReceiveCount')} receives, not 5")
            if bool(p.get("FifoQueue")) != bool(queues[dlq].get("Properties", {}).get("FifoQueue")):
                problems.append(f"{lid} and its dead-letter queue {dlq} differ in FIFO-ness")
    for lid in queues:
        if lid not in dlqs and not queues[lid].get("Properties", {}).get("RedrivePolicy"):
            problems.append(f"{lid} has no dead-letter queue")
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    for dlq, source in dlqs.items():
        if not any(_is_dlq_alarm(a.get("Properties", {}), dlq) for a in alarms.values()):
            problems.append(f"{dlq} (dead letters of {source}) has no alarm on ApproximateNumberOfMessagesVisible > 0")
    consumed = set()
    total_concurrency = 0
    for function in resources(template, "AWS::Serverless::Function"):
        timeout = int(function_property(template, function, "Timeout", 3))
        for name, event in events_of(template, function, "SQS").items():
            ep = event.get("Properties", {})
            queue = _queue_of(ep.get("Queue"), template)
            if "ReportBatchItemFailures" not in as_list(ep.get("FunctionResponseTypes")):
                problems.append(f"{function}.{name} does not report batch item failures")
            maximum = (ep.get("ScalingConfig") or {}).get("MaximumConcurrency")
            if not isinstance(maximum, int) or not 2 <= maximum <= MAX_CONSUMER_CONCURRENCY:
                problems.append(
                    f"{function}.{name} has MaximumConcurrency {maximum!r}, not 2..{MAX_CONSUMER_CONCURRENCY}:"
                    " an uncapped queue consumer can take every execution of a new account from the webhook"
                )
            else:
                total_concurrency += maximum
            if queue is None:
                problems.append(f"{function}.{name} consumes a queue outside the template")
                continue
            consumed.add(queue)
            if queue in dlqs:
                problems.append(f"{function}.{name} consumes the dead-letter queue {queue}")
            visibility = int(queues[queue].get("Properties", {}).get("VisibilityTimeout", 30))
            if visibility < 6 * timeout:
                problems.append(f"{queue}'s visibility timeout {visibility}s is under 6x {function}'s {timeout}s")
    if total_concurrency > QUEUE_CONSUMERS_CONCURRENCY:
        problems.append(
            f"the queue consumers may run {total_concurrency} at once, over {QUEUE_CONSUMERS_CONCURRENCY}:"
            f" a new account's quota of {NEW_ACCOUNT_CONCURRENCY} would leave the webhook nothing"
        )
    for lid in queues:
        if lid not in dlqs and lid not in consumed:
            problems.append(f"{lid} has no consumer")
    notifier = events_of(template, "NotifierFunction", "SQS")
    if [e.get("Properties", {}).get("BatchSize") for e in notifier.values()] != [10]:
        problems.append("the notifier does not consume its queue in batches of 10")
    outbound = queues.get("OutboundQueue", {}).get("Properties", {})
    if not outbound.get("FifoQueue") or outbound.get("ContentBasedDeduplication") is not False:
        problems.append("OutboundQueue is not FIFO with content-based deduplication off")
    return problems


# A new account's Lambda quota can be 10 concurrent executions in all: the queue
# consumers together keep at least 2 of them for the webhook and the dashboard.
NEW_ACCOUNT_CONCURRENCY = 10
QUEUE_CONSUMERS_CONCURRENCY = 8
MAX_CONSUMER_CONCURRENCY = 5


def _is_dlq_alarm(p: dict, dlq: str) -> bool:
    dims = [d for d in as_list(p.get("Dimensions")) if d.get("Name") == "QueueName" and dlq in refs(d.get("Value"))]
    threshold = float(p.get("Threshold", -1))
    above_zero = (p.get("ComparisonOperator") == "GreaterThanThreshold" and threshold == 0) or (
        p.get("ComparisonOperator") == "GreaterThanOrEqualToThreshold" and threshold == 1
    )
    return bool(
        dims
        and p.get("Namespace") == "AWS/SQS"
        and p.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and above_zero
        and as_list(p.get("AlarmActions"))
    )


def check_signature_alarm(template: dict) -> list[str]:
    """A metric filter on the webhook's log group counts rejected signatures, with an alarm."""
    log_group = refs(props(template, "WebhookFunction").get("LoggingConfig", {}).get("LogGroup"))
    filters = [
        p for p in (r.get("Properties", {}) for r in resources(template, "AWS::Logs::MetricFilter").values())
        if refs(p.get("LogGroupName")) == log_group and "webhook signature rejected" in p.get("FilterPattern", "")
    ]
    if not log_group or not filters:
        return ["no metric filter counts 'webhook signature rejected' on the webhook's log group"]
    metrics = {
        (literal_text(t.get("MetricNamespace")), t.get("MetricName"))
        for f in filters
        for t in f.get("MetricTransformations", [])
    }
    for alarm in resources(template, "AWS::CloudWatch::Alarm").values():
        p = alarm.get("Properties", {})
        if (literal_text(p.get("Namespace")), p.get("MetricName")) in metrics and as_list(p.get("AlarmActions")):
            return []
    return ["no alarm on the rejected-signature metric"]


# --------------------------------------------------------------------------------------
# (6) The evidence bucket.
# --------------------------------------------------------------------------------------


def check_evidence_bucket(template: dict) -> list[str]:
    problems = []
    p = props(template, EVIDENCE_BUCKET)
    rules = as_list(p.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration"))
    kms_rules = [
        r for r in rules
        if r.get("ServerSideEncryptionByDefault", {}).get("SSEAlgorithm") == "aws:kms"
        and EVIDENCE_KEY in refs(r.get("ServerSideEncryptionByDefault", {}).get("KMSMasterKeyID"))
    ]
    if not kms_rules:
        problems.append("the evidence bucket's default encryption is not SSE-KMS with EvidenceKey")
    elif not all(r.get("BucketKeyEnabled") is True for r in kms_rules):
        problems.append("the evidence bucket has no S3 bucket key")
    block = p.get("PublicAccessBlockConfiguration", {}) or {}
    for flag in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"):
        if block.get(flag) is not True:
            problems.append(f"the evidence bucket does not set {flag}")
    ownership = [r.get("ObjectOwnership") for r in as_list(p.get("OwnershipControls", {}).get("Rules"))]
    if ownership != ["BucketOwnerEnforced"]:
        problems.append("the evidence bucket's ownership is not BucketOwnerEnforced (ACLs enabled)")
    if p.get("VersioningConfiguration", {}).get("Status") != "Enabled":
        problems.append("the evidence bucket is not versioned")
    problems += _lifecycle_problems(p.get("LifecycleConfiguration", {}))
    policies = [
        r.get("Properties", {}) for r in resources(template, "AWS::S3::BucketPolicy").values()
        if EVIDENCE_BUCKET in refs(r.get("Properties", {}).get("Bucket"))
    ]
    stmts = [s for pol in policies for s in statements(pol.get("PolicyDocument"))]
    if not any(_denies_insecure_transport(s, EVIDENCE_BUCKET, template) for s in stmts):
        problems.append("the evidence bucket's policy does not deny requests without TLS")
    if not any(_denies_put_without_sse_kms(s, template) for s in stmts):
        problems.append("the evidence bucket's policy does not deny PutObject without SSE-KMS")
    for s in stmts:
        if s.get("Effect") == "Allow" and principals(s, template) & {"*"}:
            problems.append("the evidence bucket's policy allows everyone something")
    return problems


def _lifecycle_problems(lifecycle: dict) -> list[str]:
    rules = [r for r in as_list(lifecycle.get("Rules")) if r.get("Status") == "Enabled"]
    problems = []
    if not any(r.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation") == 1 for r in rules):
        problems.append("incomplete multipart uploads are not aborted after 1 day")
    if not any(
        r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") == 30 and not r.get("TagFilters") and not r.get("Prefix")
        for r in rules
    ):
        problems.append("noncurrent evidence versions do not expire after 30 days")
    purge = [
        r for r in rules
        if {"Key": "satark:purge", "Value": "true"} in as_list(r.get("TagFilters")) and r.get("ExpirationInDays") == 1
    ]
    if not purge:
        problems.append("objects tagged satark:purge=true do not expire after 1 day")
    return problems


def _denies_insecure_transport(stmt: dict, bucket: str, template: dict) -> bool:
    if stmt.get("Effect") != "Deny" or principals(stmt, template) != {"*"}:
        return False
    if not all(action_covered(stmt, a) for a in ("s3:GetObject", "s3:PutObject", "s3:ListBucket")):
        return False
    res = [literal_text(r) for r in as_list(stmt.get("Resource")) if bucket in refs(r)]
    covers_objects = any(r.endswith("/*") for r in res)
    covers_bucket = any(not r.endswith("/*") for r in res)
    secure = (stmt.get("Condition", {}) or {}).get("Bool", {}).get("aws:SecureTransport")
    return covers_objects and covers_bucket and str(secure).lower() == "false"


def _denies_put_without_sse_kms(stmt: dict, template: dict) -> bool:
    if stmt.get("Effect") != "Deny" or principals(stmt, template) != {"*"} or not action_covered(stmt, "s3:PutObject"):
        return False
    condition = stmt.get("Condition", {}) or {}
    return (condition.get("StringNotEquals", {}) or {}).get("s3:x-amz-server-side-encryption") == "aws:kms"


# --------------------------------------------------------------------------------------
# (7) Routes: the webhook is public (the function checks Meta's signature), the
# dashboard API needs a Cognito JWT.
# --------------------------------------------------------------------------------------


def _jwt_authorizers(template: dict, api: str) -> dict[str, dict]:
    auth = props(template, api).get("Auth", {}) or {}
    return {k: v for k, v in (auth.get("Authorizers", {}) or {}).items() if "JwtConfiguration" in v}


def check_routes(template: dict) -> list[str]:
    problems = []
    apis = resources(template, "AWS::Serverless::HttpApi")
    if list(apis) != ["HttpApi"]:
        return [f"expected one HttpApi, found {sorted(apis)}"]
    jwt = _jwt_authorizers(template, "HttpApi")
    auth = props(template, "HttpApi").get("Auth", {}) or {}
    for name, authorizer in jwt.items():
        config = authorizer.get("JwtConfiguration", {})
        if authorizer.get("IdentitySource") != "$request.header.Authorization":
            problems.append(f"authorizer {name} does not read the Authorization header")
        if "UserPool" not in refs(config.get("issuer")):
            problems.append(f"authorizer {name}'s issuer is not the user pool")
        if "ConsoleClient" not in refs(config.get("audience")):
            problems.append(f"authorizer {name}'s audience is not the console's client")
    if auth.get("DefaultAuthorizer") not in jwt:
        problems.append("the HttpApi's default authorizer is not the Cognito JWT authorizer")
    webhook_routes = set()
    for function in resources(template, "AWS::Serverless::Function"):
        for name, event in events_of(template, function).items():
            if event.get("Type") not in ("HttpApi", "Api"):
                continue
            ep = event.get("Properties", {})
            route = f"{ep.get('Method', '').upper()} {ep.get('Path')}"
            authorizer = (ep.get("Auth", {}) or {}).get("Authorizer", auth.get("DefaultAuthorizer"))
            if event.get("Type") != "HttpApi" or refs(ep.get("ApiId")) != {"HttpApi"}:
                problems.append(f"{function}.{name} is not a route of HttpApi")
            if function == "WebhookFunction":
                if ep.get("Path") != "/webhook":
                    problems.append(f"the webhook serves {route}")
                if authorizer != "NONE":
                    problems.append(f"the webhook route {route} has authorizer {authorizer}: Meta cannot present a JWT")
                webhook_routes.add(route)
            elif function == "DashboardFunction":
                if not str(ep.get("Path", "")).startswith("/api/"):
                    problems.append(f"the dashboard serves {route} outside /api/")
                if authorizer not in jwt:
                    problems.append(f"the dashboard route {route} is not behind the JWT authorizer ({authorizer})")
            else:
                problems.append(f"{function} has an HTTP route {route}")
    if webhook_routes != {"GET /webhook", "POST /webhook"}:
        problems.append(f"webhook routes are {sorted(webhook_routes)}, not GET and POST /webhook")
    if not events_of(template, "DashboardFunction", "HttpApi"):
        problems.append("the dashboard has no routes")
    return problems


def check_transformed_routes(template: dict) -> list[str]:
    """The same, on what SAM generates: the OpenAPI body of the HTTP API."""
    problems = []
    out = sam_transform(template)
    apis = resources(out, "AWS::ApiGatewayV2::Api")
    if not apis:
        return ["SAM generated no HTTP API"]
    for lid, api in apis.items():
        body = api.get("Properties", {}).get("Body", {})
        schemes = body.get("components", {}).get("securitySchemes", {})
        jwt = {k for k, v in schemes.items() if v.get("x-amazon-apigateway-authorizer", {}).get("type") == "jwt"}
        for path, operations in body.get("paths", {}).items():
            for method, operation in operations.items():
                security = {k for entry in as_list(operation.get("security")) for k in entry}
                route = f"{method.upper()} {path}"
                if path == "/webhook":
                    if security != {"NONE"}:
                        problems.append(f"generated {route} has security {sorted(security)}")
                elif not security or not security <= jwt:
                    problems.append(f"generated {route} is not behind a JWT authorizer ({sorted(security)})")
    return problems


# --------------------------------------------------------------------------------------
# (8) Cognito: TOTP MFA required, administrators create users, a public PKCE client.
# --------------------------------------------------------------------------------------


def check_user_pool(template: dict) -> list[str]:
    problems = []
    pools = resources(template, "AWS::Cognito::UserPool")
    if list(pools) != ["UserPool"]:
        return [f"expected one user pool, found {sorted(pools)}"]
    p = props(template, "UserPool")
    if p.get("MfaConfiguration") != "ON":
        problems.append(f"MFA is {p.get('MfaConfiguration')!r}, not required (ON)")
    if as_list(p.get("EnabledMfas")) != ["SOFTWARE_TOKEN_MFA"]:
        problems.append(f"enabled MFA types are {p.get('EnabledMfas')}, not TOTP alone")
    if "SmsConfiguration" in p:
        problems.append("the user pool can send SMS")
    if p.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly") is not True:
        problems.append("anyone can sign up")
    policy = p.get("Policies", {}).get("PasswordPolicy", {})
    if int(policy.get("MinimumLength", 0)) < 12 or not all(
        policy.get(k) is True for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    ):
        problems.append("the password policy is weak")
    custom = {a.get("Name"): a for a in as_list(p.get("Schema")) if a.get("Name") in ("district", "station")}
    for name in ("district", "station"):
        attr = custom.get(name, {})
        if attr.get("AttributeDataType") != "String" or attr.get("Mutable") is not True:
            problems.append(f"custom attribute {name} is not a mutable string")
    groups = {props(template, g).get("GroupName") for g in resources(template, "AWS::Cognito::UserPoolGroup")}
    if groups != {"range", "district", "station", "analyst"}:
        problems.append(f"groups are {sorted(g for g in groups if g)}")
    clients = resources(template, "AWS::Cognito::UserPoolClient")
    for lid in clients:
        c = props(template, lid)
        if c.get("GenerateSecret") not in (None, False):
            problems.append(f"{lid} has a secret: a browser cannot keep it")
        if as_list(c.get("AllowedOAuthFlows")) != ["code"] or c.get("AllowedOAuthFlowsUserPoolClient") is not True:
            problems.append(f"{lid} does not use the authorization code flow alone")
        if not set(as_list(c.get("AllowedOAuthScopes"))) <= {"openid", "email", "profile"}:
            problems.append(f"{lid} grants scopes {c.get('AllowedOAuthScopes')}")
        if as_list(c.get("SupportedIdentityProviders")) != ["COGNITO"]:
            problems.append(f"{lid} accepts identity providers {c.get('SupportedIdentityProviders')}")
        if c.get("PreventUserExistenceErrors") != "ENABLED":
            problems.append(f"{lid} reveals which officers exist")
        if any(str(a).startswith("custom:") for a in as_list(c.get("WriteAttributes"))) or "WriteAttributes" not in c:
            problems.append(f"{lid} lets officers write their own custom:district/station (scope)")
        explicit = [f for f in as_list(c.get("ExplicitAuthFlows")) if f != "ALLOW_REFRESH_TOKEN_AUTH"]
        if explicit:
            problems.append(f"{lid} allows direct sign-in flows {explicit} that bypass the hosted UI")
        for validity in ("AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity"):
            if validity not in c:
                problems.append(f"{lid} leaves {validity} to the default")
    if not clients:
        problems.append("there is no console client")
    return problems


# --------------------------------------------------------------------------------------
# (9) Functions: Rust on arm64, built by cargo-lambda.
# --------------------------------------------------------------------------------------


def check_functions(template: dict) -> list[str]:
    """Every function is Rust on arm64, built by cargo-lambda from its own crate:
    CodeUri functions/<binary> and Metadata.BuildProperties.Binary <binary> (SAM reads
    the binary name there only; a Metadata.Binary is ignored, and with CodeUri at the
    workspace root `sam build` installs the default member, the CLI, everywhere)."""
    problems = []
    functions = resources(template, "AWS::Serverless::Function")
    if set(functions) != set(BINARIES):
        problems.append(f"functions are {sorted(functions)}, expected {sorted(BINARIES)}")
    for function, res in functions.items():
        metadata = res.get("Metadata", {}) or {}
        binary = BINARIES.get(function)
        checks = {
            "Runtime": (function_property(template, function, "Runtime"), "provided.al2023"),
            "Architectures": (function_property(template, function, "Architectures"), ["arm64"]),
            "Handler": (function_property(template, function, "Handler"), "bootstrap"),
            "CodeUri": (function_property(template, function, "CodeUri"), f"functions/{binary}"),
            "Metadata.BuildMethod": (metadata.get("BuildMethod"), "rust-cargolambda"),
            "Metadata.BuildProperties.Binary": ((metadata.get("BuildProperties") or {}).get("Binary"), binary),
            "LoggingConfig.LogFormat": (
                (function_property(template, function, "LoggingConfig", {}) or {}).get("LogFormat"),
                "JSON",
            ),
        }
        for what, (actual, expected) in checks.items():
            if actual != expected:
                problems.append(f"{function} {what} is {actual!r}, not {expected!r}")
        if "Binary" in metadata:
            problems.append(f"{function} sets Metadata.Binary, which SAM ignores: use Metadata.BuildProperties.Binary")
        crate = REPO / "functions" / str(binary)
        manifest = crate / "Cargo.toml"
        if manifest.exists():
            bins = re.findall(r'\[\[bin\]\]\s*name\s*=\s*"([^"]+)"', manifest.read_text(encoding="utf-8"))
            if bins != [binary]:
                problems.append(f"{manifest.relative_to(REPO)} defines bins {bins}, not exactly [{binary!r}]")
    return problems


def function_mains() -> dict[str, str]:
    """Each function's main.rs by binary name (the ones that exist)."""
    out = {}
    for binary in BINARIES.values():
        main = REPO / "functions" / binary / "src" / "main.rs"
        if main.exists():
            out[binary] = main.read_text(encoding="utf-8")
    return out


def check_function_markers(mains: dict[str, str] | None = None) -> list[str]:
    """Each function's main.rs holds the marker scripts/sam-build-check looks for in its
    bootstrap, `satark-function=<binary>`, keeps it alive (std::hint::black_box) and
    holds no other function's."""
    mains = mains if mains is not None else function_mains()
    problems = []
    for function, binary in BINARIES.items():
        where = f"functions/{binary}/src/main.rs"
        text = mains.get(binary)
        if text is None:
            problems.append(f"{function}: {where} is missing")
            continue
        markers = re.findall(r'"satark-function=(\w+)"', text)
        if markers != [binary]:
            problems.append(f"{where} holds markers {markers}, not exactly [{binary!r}]")
        if "black_box(" not in text:
            problems.append(f"{where} does not keep its marker alive with std::hint::black_box")
    return problems


# --------------------------------------------------------------------------------------
# (10) Tables mirror shared/aws/src/tables.rs (and the crate doc in lib.rs).
# --------------------------------------------------------------------------------------

TABLE_IDS = {"conversations": "ConversationsTable", "dedupe": "DedupeTable", "reports": "ReportsTable"}


def parse_tables_rs(text: str) -> dict[str, dict]:
    """The tables that shared/aws/src/tables.rs defines: for each of conversations,
    dedupe and reports: hash key (name, type), TTL attribute, and GSIs."""
    consts = dict(re.findall(r'pub const (\w+): &str = "([^"]*)";', text))

    def attr(name: str) -> str:
        if name not in consts:
            raise ValueError(f"tables.rs: unknown constant attr::{name}")
        return consts[name]

    simple = _between(text, "fn simple_table", "pub fn table_definitions")
    pk_defs = re.findall(r"string_key\(table, attr::(\w+)\)", simple)
    pk_keys = re.findall(r"hash_key\(table, attr::(\w+)\)", simple)
    if len(pk_defs) != 1 or pk_defs != pk_keys:
        raise ValueError("tables.rs: simple_table's key is not one string hash key")
    base_key = (attr(pk_defs[0]), "S")

    body = _between(text, "pub fn table_definitions", "pub async fn create_tables")
    types: dict[str, str] = {attr(a): "S" for a in re.findall(r"string_key\(\w+, attr::(\w+)\)", body)}
    types.update({attr(a): "N" for a in re.findall(r"number_key\(\w+, attr::(\w+)\)", body)})

    tables: dict[str, dict] = {}
    for block, ttl in re.findall(r"TableDefinition \{(.*?)ttl_attribute: (None|Some\(attr::\w+\))", body, re.S):
        names = set(re.findall(r"names\.(conversations|dedupe|reports)", block))
        names |= set(re.findall(r"simple_table\((conversations|reports)\)", block))
        if len(names) != 1:
            raise ValueError(f"tables.rs: cannot tell which table a definition is ({names})")
        table = names.pop()
        gsis: dict[str, dict] = {}
        # Each index: index(table, NAME, attr::HASH, attr::RANGE, &[attr::A, ...]).
        for name, hash_, range_, include in re.findall(
            r"index\(\s*\w+,\s*(\w+),\s*attr::(\w+),\s*attr::(\w+),\s*&\[([^\]]*)\],?\s*\)", block, re.S
        ):
            non_key = sorted(attr(a) for a in re.findall(r"attr::(\w+)", include))
            gsis[attr(name)] = {
                "hash": (attr(hash_), types.get(attr(hash_))),
                "range": (attr(range_), types.get(attr(range_))),
                "projection": "INCLUDE" if non_key else "KEYS_ONLY",
                "non_key": non_key,
            }
        if ".global_secondary_indexes(" in block and not gsis:
            raise ValueError("tables.rs: cannot read the GSI definitions")
        ttl_attr = re.match(r"Some\(attr::(\w+)\)", ttl)
        tables[table] = {
            "hash": base_key,
            "ttl": attr(ttl_attr.group(1)) if ttl_attr else None,
            "gsis": gsis,
        }
    if set(tables) != set(TABLE_IDS):
        raise ValueError(f"tables.rs defines {sorted(tables)}, expected {sorted(TABLE_IDS)}")
    return tables


def _between(text: str, start: str, end: str, source: str = "tables.rs") -> str:
    i = text.find(start)
    j = text.find(end, i + 1)
    if i < 0 or j < 0:
        raise ValueError(f"{source}: cannot find {start!r} .. {end!r}")
    return text[i:j]


def parse_aggregates_rs(text: str, tables_rs: str) -> dict:
    """The aggregates table of shared/aws/src/aggregates.rs: hash and range keys."""
    consts = dict(re.findall(r'pub const (\w+): &str = "([^"]*)";', tables_rs))
    consts.update(re.findall(r'pub const (\w+): &str = "([^"]*)";', text))
    body = _between(text, "pub fn aggregates_table", "\n}\n", "aggregates.rs")
    strings = {consts.get(a.split("::")[-1]) for a in re.findall(r"\.attribute_definitions\(string\(([\w:]+)\)", body)}
    keys = {kind: consts.get(a.split("::")[-1]) for a, kind in re.findall(r"\.key_schema\(key\(([\w:]+), KeyType::(\w+)\)", body)}
    if "Hash" not in keys or "ScalarAttributeType::S" not in body or None in strings:
        raise ValueError("aggregates.rs: cannot read the aggregates table's keys")
    return {
        "hash": (keys["Hash"], "S" if keys["Hash"] in strings else None),
        "range": (keys["Range"], "S" if keys["Range"] in strings else None) if "Range" in keys else None,
    }


def parse_crate_doc(text: str) -> dict:
    """What the crate doc of shared/aws/src/lib.rs says about the GSI and TTL."""
    gsi = re.search(
        r"GSI `(\w+)`: partition `(\w+)` \((\w)\b.*?\), sort `(\w+)` \((\w)\),\s*(?://!\s*)?projection (\w+) ((?:`\w+`(?:, )?)+)",
        text,
        re.S,
    )
    ttl = re.search(r"\|\s*dedupe\s*\|.*\|\s*`(\w+)`\s*\|\s*$", text, re.M)
    if not gsi or not ttl:
        raise ValueError("lib.rs: the crate doc no longer describes the GSI and the dedupe TTL")
    return {
        "gsi": {
            "name": gsi.group(1),
            "hash": (gsi.group(2), gsi.group(3)),
            "range": (gsi.group(4), gsi.group(5)),
            "projection": gsi.group(6),
            "non_key": sorted(re.findall(r"`(\w+)`", gsi.group(7))),
        },
        "dedupe_ttl": ttl.group(1),
    }


def _template_table(template: dict, lid: str) -> dict:
    p = props(template, lid)
    types = {a["AttributeName"]: a["AttributeType"] for a in as_list(p.get("AttributeDefinitions"))}
    keys = {k["KeyType"]: k["AttributeName"] for k in as_list(p.get("KeySchema"))}
    gsis = {}
    for g in as_list(p.get("GlobalSecondaryIndexes")):
        gkeys = {k["KeyType"]: k["AttributeName"] for k in as_list(g.get("KeySchema"))}
        gsis[g.get("IndexName")] = {
            "hash": (gkeys.get("HASH"), types.get(gkeys.get("HASH"))),
            "range": (gkeys["RANGE"], types.get(gkeys["RANGE"])) if "RANGE" in gkeys else None,
            "projection": g.get("Projection", {}).get("ProjectionType"),
            "non_key": sorted(as_list(g.get("Projection", {}).get("NonKeyAttributes"))),
        }
    ttl = p.get("TimeToLiveSpecification")
    return {
        "hash": (keys.get("HASH"), types.get(keys.get("HASH"))),
        "range": keys.get("RANGE"),
        "ttl": ttl.get("AttributeName") if ttl and ttl.get("Enabled") is True else None,
        "gsis": gsis,
        "attributes": types,
    }


def check_tables(template: dict, tables_rs: str, lib_rs: str, aggregates_rs: str) -> list[str]:
    problems = []
    try:
        expected = parse_tables_rs(tables_rs)
        doc = parse_crate_doc(lib_rs)
        aggregates = parse_aggregates_rs(aggregates_rs, tables_rs)
    except ValueError as e:
        return [str(e)]
    for table, lid in TABLE_IDS.items():
        actual = _template_table(template, lid)
        want = expected[table]
        if actual["hash"] != want["hash"] or actual["range"] is not None:
            problems.append(f"{lid} key is {actual['hash']} / range {actual['range']}, tables.rs says {want['hash']}")
        if actual["ttl"] != want["ttl"]:
            problems.append(f"{lid} TTL is {actual['ttl']}, tables.rs says {want['ttl']}")
        if actual["gsis"] != want["gsis"]:
            problems.append(f"{lid} indexes are {actual['gsis']}, tables.rs says {want['gsis']}")
        needed = {want["hash"][0]} | {
            k[0] for g in want["gsis"].values() for k in (g["hash"], g["range"]) if k
        }
        if set(actual["attributes"]) != needed:
            problems.append(f"{lid} defines attributes {sorted(actual['attributes'])}, expected {sorted(needed)}")
    reports = _template_table(template, "ReportsTable")["gsis"].get(doc["gsi"]["name"])
    if reports is None or (reports["hash"], reports["range"], reports["projection"], reports["non_key"]) != (
        doc["gsi"]["hash"], doc["gsi"]["range"], doc["gsi"]["projection"], doc["gsi"]["non_key"]
    ):
        problems.append(f"ReportsTable's GSI does not match the crate doc: {doc['gsi']}")
    for g in _template_table(template, "ReportsTable")["gsis"].values():
        if g["projection"] == "ALL" or "informant" in g["non_key"]:
            problems.append("a reports index projects the informant's pseudonym")
    if _template_table(template, "DedupeTable")["ttl"] != doc["dedupe_ttl"]:
        problems.append("DedupeTable's TTL does not match the crate doc")
    want_attributes = dict(k for k in (aggregates["hash"], aggregates["range"]) if k)
    # The audit, threads and triage tables reuse the aggregates table's definition
    # (shared/aws/src/audit.rs, thread.rs, triage.rs); the triage table adds a TTL on
    # expires_at when triage.rs creates it with one (its fingerprints expire).
    triage_ttl = "expires_at" if "Some(attr::EXPIRES_AT)" in TRIAGE_RS.read_text(encoding="utf-8") else None
    want_ttl = {"AggregatesTable": None, "AuditTable": None, "ThreadsTable": None, "TriageTable": triage_ttl}
    for name, ttl in want_ttl.items():
        agg = _template_table(template, name)
        actual_range = (agg["range"], agg["attributes"].get(agg["range"])) if agg["range"] else None
        if (agg["hash"], actual_range) != (aggregates["hash"], aggregates["range"]) or agg["gsis"] or agg["ttl"] != ttl or (
            agg["attributes"] != want_attributes
        ):
            problems.append(f"{name} is not {aggregates} with TTL {ttl} and no index (aggregates.rs): {agg}")
    keys = set(resources(template, "AWS::KMS::Key"))
    for lid, res in resources(template, "AWS::DynamoDB::Table").items():
        p = res.get("Properties", {})
        if p.get("BillingMode") != "PAY_PER_REQUEST":
            problems.append(f"{lid} is not on-demand")
        if p.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled") is not True:
            problems.append(f"{lid} has no point-in-time recovery")
        sse = p.get("SSESpecification", {}) or {}
        if sse.get("SSEEnabled") is not True or sse.get("SSEType") != "KMS" or not refs(sse.get("KMSMasterKeyId")) & keys:
            problems.append(f"{lid} is not encrypted with a customer-managed KMS key")
        if p.get("DeletionProtectionEnabled") is not True:
            problems.append(f"{lid} has no deletion protection")
        if res.get("DeletionPolicy") != "Retain" or res.get("UpdateReplacePolicy") != "Retain":
            problems.append(f"{lid} is not retained on deletion and replacement")
    return problems


# --------------------------------------------------------------------------------------
# (11) The webhook's own throttle and its error-rate alarms; the sweeper's schedule.
# --------------------------------------------------------------------------------------

WEBHOOK_ROUTES = ("POST /webhook", "GET /webhook")


def _route_settings(template: dict) -> tuple[dict, dict]:
    p = props(template, "HttpApi")
    return p.get("DefaultRouteSettings", {}) or {}, p.get("RouteSettings", {}) or {}


def check_webhook_throttle(template: dict) -> list[str]:
    """Each webhook route has a throttle of its own (route settings), so a flood on
    /api or on one webhook route never spends the other's, and the POST route writes
    route-level metrics for the alarms."""
    problems = []
    default, routes = _route_settings(template)
    if not default.get("ThrottlingBurstLimit") or not default.get("ThrottlingRateLimit"):
        problems.append("the HttpApi has no default throttle")
    for route in WEBHOOK_ROUTES:
        settings = routes.get(route)
        if not settings:
            problems.append(f"{route} has no route settings: it shares the default throttle")
            continue
        burst, rate = settings.get("ThrottlingBurstLimit"), settings.get("ThrottlingRateLimit")
        if not isinstance(burst, (int, float)) or not isinstance(rate, (int, float)) or burst <= 0 or rate <= 0:
            problems.append(f"{route} has no throttle of its own ({settings})")
        elif rate > float(default.get("ThrottlingRateLimit", 0)) or burst > float(default.get("ThrottlingBurstLimit", 0)):
            problems.append(f"{route}'s throttle {rate}/s (burst {burst}) is above the default: it caps nothing")
    if (routes.get("POST /webhook") or {}).get("DetailedMetricsEnabled") is not True:
        problems.append("POST /webhook has no route-level metrics (DetailedMetricsEnabled): its alarms see nothing")
    return problems


def _metric_stats(alarm: dict) -> dict[str, dict]:
    return {m["Id"]: m["MetricStat"] for m in as_list(alarm.get("Metrics")) if "MetricStat" in m}


def _is_webhook_rate_alarm(alarm: dict, metric: str) -> bool:
    """An alarm on `metric` (4xx or 5xx) of POST /webhook divided by its Count."""
    stats = _metric_stats(alarm)
    def is_webhook(stat: dict, name: str) -> bool:
        m = stat.get("Metric", {})
        dims = {d.get("Name"): d.get("Value") for d in as_list(m.get("Dimensions"))}
        return (
            m.get("Namespace") == "AWS/ApiGateway"
            and m.get("MetricName") == name
            and "HttpApi" in refs(dims.get("ApiId"))
            and dims.get("Stage") == "$default"
            and dims.get("Route") == "POST /webhook"
        )
    errors = [i for i, s in stats.items() if is_webhook(s, metric)]
    counts = [i for i, s in stats.items() if is_webhook(s, "Count")]
    expressions = [m for m in as_list(alarm.get("Metrics")) if m.get("ReturnData") is True and "Expression" in m]
    if not errors or not counts or len(expressions) != 1:
        return False
    expr = expressions[0]["Expression"]
    divides = any(re.search(rf"{e}\b.*?/\s*{c}\b", expr) for e in errors for c in counts)
    return bool(divides and as_list(alarm.get("AlarmActions")) and float(alarm.get("Threshold", 0)) > 0)


def check_webhook_alarms(template: dict) -> list[str]:
    problems = []
    alarms = [a.get("Properties", {}) for a in resources(template, "AWS::CloudWatch::Alarm").values()]
    for metric in ("4xx", "5xx"):
        if not any(_is_webhook_rate_alarm(a, metric) for a in alarms):
            problems.append(f"no alarm on the {metric} rate (errors / Count) of POST /webhook")
    return problems


def check_sweeper(template: dict) -> list[str]:
    """The sweeper runs on an EventBridge schedule every 10 minutes, is not retried into
    an overlapping run, and its failures raise an alarm."""
    problems = []
    if "SweeperFunction" not in resources(template, "AWS::Serverless::Function"):
        return ["there is no SweeperFunction"]
    schedules = events_of(template, "SweeperFunction", "Schedule")
    other = set(events_of(template, "SweeperFunction")) - set(schedules)
    if other:
        problems.append(f"the sweeper has other events {sorted(other)}")
    rates = [e.get("Properties", {}).get("Schedule") for e in schedules.values()]
    if rates != ["rate(10 minutes)"] or not all(e.get("Properties", {}).get("Enabled", True) for e in schedules.values()):
        problems.append(f"the sweeper's schedule is {rates}, not one enabled rate(10 minutes)")
    timeout = int(function_property(template, "SweeperFunction", "Timeout", 3))
    if timeout >= 600:
        problems.append(f"the sweeper's timeout {timeout}s lets two runs overlap")
    retries = (props(template, "SweeperFunction").get("EventInvokeConfig") or {}).get("MaximumRetryAttempts")
    if retries != 0:
        problems.append(f"a failed sweep is retried ({retries!r} retries) into the next scheduled run")
    alarmed = any(
        a.get("Properties", {}).get("Namespace") == "AWS/Lambda"
        and a.get("Properties", {}).get("MetricName") == "Errors"
        and any("SweeperFunction" in refs(d.get("Value")) for d in as_list(a.get("Properties", {}).get("Dimensions")))
        and as_list(a.get("Properties", {}).get("AlarmActions"))
        for a in resources(template, "AWS::CloudWatch::Alarm").values()
    )
    if not alarmed:
        problems.append("no alarm on the sweeper's Errors")
    return problems


# --------------------------------------------------------------------------------------
# (12) First-deploy traps: names that are global, parameters that would not match.
# --------------------------------------------------------------------------------------

# CloudFront's names are global (one namespace per account, across regions).
GLOBAL_NAMES = {
    "AWS::CloudFront::OriginAccessControl": ("OriginAccessControlConfig", "Name"),
    "AWS::CloudFront::ResponseHeadersPolicy": ("ResponseHeadersPolicyConfig", "Name"),
    "AWS::CloudFront::CachePolicy": ("CachePolicyConfig", "Name"),
    "AWS::CloudFront::OriginRequestPolicy": ("OriginRequestPolicyConfig", "Name"),
    "AWS::CloudFront::Function": (None, "Name"),
}


def check_global_names(template: dict) -> list[str]:
    """A stack of the same name in a second region must not collide on CloudFront's
    global names: each carries the stack name and the region."""
    problems = []
    for type_, (config, key) in GLOBAL_NAMES.items():
        for lid in resources(template, type_):
            p = props(template, lid)
            name = (p.get(config, {}) if config else p).get(key)
            text = literal_text(name)
            if "${AWS::StackName}" not in text or "${AWS::Region}" not in text:
                problems.append(f"{lid}'s name {text!r} is global but not unique per stack and region")
    return problems


# Java regular expressions (CloudFormation's) in the subset Python reads the same way.
SECRET_ARN_GOOD = ["arn:aws:secretsmanager:ap-south-1:123456789012:secret:satark/whatsapp-AbCdEf"]
SECRET_ARN_BAD = [
    "arn:aws:secretsmanager:ap-south-1:123456789012:secret:satark/whatsapp",  # partial ARN
    "satark/whatsapp",
    "arn:aws:secretsmanager:ap-south-1:123456789012:secret:",
]
PREFIX_GOOD = ["satark-varanasi-range", "vns1", "a"]
PREFIX_BAD = ["Satark", "-satark", "satark-", "my-aws-range", "amazon-police", "cognito1", "a" * 64, "sa_tark", ""]


def check_parameters(template: dict) -> list[str]:
    """Parameters that fail at deploy time, not half-way through it: a partial secret
    ARN (the IAM resource would not match the secret) and a Cognito domain prefix that
    breaks Cognito's rules are refused by their AllowedPattern."""
    problems = []
    params = template.get("Parameters", {})
    cases = {
        "WhatsAppSecretArn": (SECRET_ARN_GOOD, SECRET_ARN_BAD),
        "CognitoDomainPrefix": (PREFIX_GOOD, PREFIX_BAD),
    }
    for name, (good, bad) in cases.items():
        pattern = params.get(name, {}).get("AllowedPattern")
        if not pattern:
            problems.append(f"parameter {name} has no AllowedPattern")
            continue
        for value in good:
            if not re.fullmatch(pattern, value):
                problems.append(f"parameter {name} refuses the valid {value!r}")
        for value in bad:
            if re.fullmatch(pattern, value):
                problems.append(f"parameter {name} accepts {value!r}")
    return problems


# --------------------------------------------------------------------------------------
# (13) Action names exist: a typo in a policy is a permission nobody has.
# --------------------------------------------------------------------------------------

# IAM action names of services whose actions are not their API operations' names.
IAM_ONLY_ACTIONS = {
    "s3": {"GetObject", "PutObject", "DeleteObject", "ListBucket", "GetObjectTagging", "PutObjectTagging"},
    "logs": {"CreateLogStream", "PutLogEvents", "CreateLogGroup"},
    "dynamodb": {"ConditionCheckItem"},
    "kms": {"ReEncryptFrom", "ReEncryptTo"},
    "sts": {"AssumeRole"},
}
BOTOCORE_SERVICES = {"dynamodb": "dynamodb", "kms": "kms", "sqs": "sqs", "secretsmanager": "secretsmanager"}


def known_actions() -> dict[str, set[str]]:
    import botocore.session

    session = botocore.session.get_session()
    known = {service: set(names) for service, names in IAM_ONLY_ACTIONS.items()}
    for prefix, service in BOTOCORE_SERVICES.items():
        known.setdefault(prefix, set()).update(session.get_service_model(service).operation_names)
    return known


def _all_policy_actions(template: dict) -> list[tuple[str, str]]:
    found = [(where, a) for _role, where, stmt in identity_statements(template) for a in actions_of(stmt)]
    for key in resources(template, "AWS::KMS::Key"):
        found += [(f"{key} policy", a) for stmt in key_policy(template, key) for a in actions_of(stmt)]
    return found


def check_action_names(template: dict, inventory: dict | None = None) -> list[str]:
    known = known_actions()
    inventory = inventory if inventory is not None else load_inventory()
    found = _all_policy_actions(template)
    for name, spec in inventory.get("functions", {}).items():
        found += [(f"infra/aws-actions.toml {name}", a) for g in spec.get("grants", []) for a in g.get("actions", [])]
    problems = []
    for where, action in found:
        service, _, name = action.partition(":")
        if "*" in name or service not in known:
            continue  # wildcards are check_least_privilege's; other services are not used
        if name not in known[service]:
            problems.append(f"{where}: {action} is not an action of {service}")
    return problems


# --------------------------------------------------------------------------------------
# (14) Least privilege, exactly: each role grants what infra/aws-actions.toml lists.
# --------------------------------------------------------------------------------------


def resource_name(value: Any, template: dict) -> str:
    """A policy Resource as the inventory writes it: a logical id for !GetAtt X.Arn or a
    parameter's !Ref, `X/rest` for !Sub ${X.Arn}/rest, else the literal text."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        parts = target if isinstance(target, list) else str(target).split(".", 1)
        lid, attr = str(parts[0]), (parts[1] if len(parts) > 1 else None)
        return lid if attr == "Arn" else f"{lid}.{attr}"
    if isinstance(value, dict) and "Ref" in value:
        ref = value["Ref"]
        return ref if ref in template.get("Parameters", {}) else f"Ref:{ref}"
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = literal_text(value)
        m = re.fullmatch(r"\$\{(\w+)\.Arn\}(/.*)?", text)
        if m and not isinstance(value["Fn::Sub"], list):
            return m.group(1) + (m.group(2) or "")
        return text
    return literal_text(value)


def _condition_key(condition: Any) -> str:
    """A Condition block in a canonical text form (values as sorted lists of text)."""
    if not condition:
        return ""
    normal = {
        op: {k: sorted(literal_text(v) for v in as_list(vals)) for k, vals in (body or {}).items()}
        for op, body in condition.items()
    }
    return json.dumps(normal, sort_keys=True)


Grant = tuple[str, str, str]  # (action, resource, condition)


def granted_by_template(template: dict, role: str) -> set[Grant]:
    """What the role's identity policies allow, one (action, resource, condition) per
    combination."""
    out: set[Grant] = set()
    for _where, stmt in role_statements(template, role):
        if stmt.get("Effect") != "Allow":
            continue
        cond = _condition_key(stmt.get("Condition"))
        for action in actions_of(stmt):
            for resource in as_list(stmt.get("Resource")) or ["<none>"]:
                out.add((action, resource_name(resource, template), cond))
    return out


def granted_by_inventory(spec: dict) -> set[Grant]:
    out: set[Grant] = set()
    for grant in spec.get("grants", []):
        cond = _condition_key(grant.get("condition"))
        for action in grant.get("actions", []):
            for resource in grant.get("resources", []):
                out.add((action, resource, cond))
    return out


def key_policy_uses(template: dict) -> dict[str, set[tuple[str, str]]]:
    """Per role: the (action, key) pairs key policies allow it, through a condition on
    aws:PrincipalArn or by name."""
    out: dict[str, set[tuple[str, str]]] = {}
    for key in resources(template, "AWS::KMS::Key"):
        for stmt in key_policy(template, key):
            if stmt.get("Effect") != "Allow":
                continue
            for who in principals(stmt, template):
                if who.startswith("role:"):
                    out.setdefault(who[5:], set()).update((a, key) for a in actions_of(stmt))
    return out


def _fmt(grant: Grant) -> str:
    action, resource, cond = grant
    return f"{action} on {resource}" + (f" if {cond}" if cond else "")


def check_inventory(template: dict, inventory: dict | None = None) -> list[str]:
    """Every role grants exactly its function's inventory: nothing more (an action, a
    resource, a looser condition), nothing less; key policies let each role use each key
    for exactly the KMS actions its inventory lists on that key."""
    inventory = inventory if inventory is not None else load_inventory()
    problems = []
    specs = inventory.get("functions", {})
    functions = resources(template, "AWS::Serverless::Function")
    listed = {spec.get("function") for spec in specs.values()}
    for function in functions:
        if function not in listed:
            problems.append(f"{function} has no entry in infra/aws-actions.toml")
    roles_in_inventory = set()
    key_uses = key_policy_uses(template)
    keys = set(resources(template, "AWS::KMS::Key"))
    for name, spec in specs.items():
        function, role = spec.get("function"), spec.get("role")
        roles_in_inventory.add(role)
        if function not in functions:
            problems.append(f"infra/aws-actions.toml lists {name} as {function}, which the template does not define")
            continue
        if refs(props(template, function).get("Role")) != {role}:
            problems.append(f"{function} does not run as {role}, the role infra/aws-actions.toml gives it")
        want, have = granted_by_inventory(spec), granted_by_template(template, role)
        for grant in sorted(have - want):
            problems.append(f"{role} is granted {_fmt(grant)}, which infra/aws-actions.toml does not list for {name}")
        for grant in sorted(want - have):
            problems.append(f"{role} lacks {_fmt(grant)}, which infra/aws-actions.toml lists for {name}")
        want_keys = {(a, r) for a, r, _c in want if a.startswith("kms:") and r in keys}
        have_keys = key_uses.get(role, set())
        for action, key in sorted(have_keys - want_keys):
            problems.append(f"{key}'s key policy lets {role} {action}, which infra/aws-actions.toml does not list")
        for action, key in sorted(want_keys - have_keys):
            problems.append(f"{key}'s key policy does not let {role} {action}, which infra/aws-actions.toml lists")
    for role, _where, _stmt in identity_statements(template):
        if role not in roles_in_inventory:
            problems.append(f"{role} has permissions but is no function's role in infra/aws-actions.toml")
            roles_in_inventory.add(role)  # once
    for role in set(key_uses) - roles_in_inventory:
        problems.append(f"key policies allow {role}, which is no function's role in infra/aws-actions.toml")
    return problems


# The code side: every AWS operation the adapters call, and the IAM actions it needs
# (any one of them, for TransactWriteItems: each item kind has its own).
SDK_OPERATIONS: dict[str, set[str]] = {
    "get_item": {"dynamodb:GetItem"},
    "put_item": {"dynamodb:PutItem"},
    "update_item": {"dynamodb:UpdateItem"},
    "delete_item": {"dynamodb:DeleteItem"},
    "query": {"dynamodb:Query"},
    "transact_write_items": {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"},
    "send_message": {"sqs:SendMessage"},
    "generate_mac": {"kms:GenerateMac"},
    "encrypt": {"kms:Encrypt"},
    "decrypt": {"kms:Decrypt"},
    "put_object": {"s3:PutObject", "kms:GenerateDataKey"},
    "get_object": {"s3:GetObject"},
    "list_objects_v2": {"s3:ListBucket"},
    "delete_objects": {"s3:DeleteObject"},
    "delete_object": {"s3:DeleteObject"},
    "get_secret_value": {"secretsmanager:GetSecretValue"},
}
# Client methods that are no AWS call, or only set up tables for tests and emulators.
NOT_OPERATIONS = {"clone", "config", "endpoint_url", "create_table", "wait_until_table_exists", "update_time_to_live"}
# Actions Lambda itself performs with a function's role, not its code.
LAMBDA_SERVICE_ACTIONS = {
    "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
    "logs:CreateLogStream", "logs:PutLogEvents",
}
_CLIENT_CALL = re.compile(r"\b(?:client|kms|sqs|s3|dynamodb|sdk)(?:\(\))?\s*\.\s*([a-z][a-z0-9_]*)\(\)")


def code_sources() -> dict[str, str]:
    """The Rust sources whose AWS calls the roles must cover: the adapters, the Lambda
    wiring and the functions' mains (test-only helpers left out)."""
    files = sorted((REPO / "shared" / "aws" / "src").glob("*.rs")) + sorted((REPO / "shared" / "lambda" / "src").glob("*.rs"))
    files += sorted((REPO / "functions").glob("*/src/**/*.rs"))
    return {str(f.relative_to(REPO)): f.read_text(encoding="utf-8") for f in files if f.name != "testing.rs"}


def sdk_calls(sources: dict[str, str]) -> dict[str, set[str]]:
    """Operation name -> the files calling it."""
    found: dict[str, set[str]] = {}
    for path, text in sources.items():
        # Unit tests inside a source file are not what the functions run.
        text = text.split("#[cfg(test)]")[0]
        for op in _CLIENT_CALL.findall(text):
            found.setdefault(op, set()).add(path)
    return found


def check_code_calls(inventory: dict | None = None, sources: dict[str, str] | None = None) -> list[str]:
    """The inventory and the code agree: every AWS operation the code calls is a known
    one and is granted to some function (or listed as not reached by any yet), and every
    granted action is one that code (or Lambda itself) performs."""
    inventory = inventory if inventory is not None else load_inventory()
    sources = sources if sources is not None else code_sources()
    calls = sdk_calls(sources)
    granted = {a for spec in inventory.get("functions", {}).values() for g in spec.get("grants", []) for a in g.get("actions", [])}
    unreached = set(inventory.get("unreached", {}))
    problems = []
    produced: set[str] = set()
    for op, files in sorted(calls.items()):
        if op in NOT_OPERATIONS:
            continue
        actions = SDK_OPERATIONS.get(op)
        if actions is None:
            problems.append(
                f"{', '.join(sorted(files))} call(s) the AWS operation {op}, unknown to the least-privilege test:"
                " add it to SDK_OPERATIONS (infra/tests/template_checks.py) and grant it in infra/aws-actions.toml"
            )
            continue
        produced |= actions
        if not actions & (granted | unreached):
            problems.append(
                f"{', '.join(sorted(files))} call(s) {op} ({'/'.join(sorted(actions))}), which infra/aws-actions.toml"
                " grants to no function and does not list under [unreached]"
            )
    for action in sorted(granted - produced - LAMBDA_SERVICE_ACTIONS):
        problems.append(f"infra/aws-actions.toml grants {action}, but no code calls it")
    for action in sorted(unreached - produced):
        problems.append(f"infra/aws-actions.toml lists {action} under [unreached], but no code calls it")
    for action in sorted(unreached & granted):
        problems.append(f"infra/aws-actions.toml lists {action} under [unreached], but a function is granted it")
    return problems


ALL_CHECKS = {
    "contact_key": check_contact_key,
    "pseudonym_key": check_pseudonym_key,
    "root_cannot_use_keys": check_root_cannot_use_keys,
    "evidence_key": check_evidence_key,
    "key_principals": check_key_principals,
    "key_use_conditions": check_key_use_conditions,
    "dashboard_isolation": check_dashboard_isolation,
    "triage_isolation": check_triage_isolation,
    "function_environments": check_function_environments,
    "least_privilege": check_least_privilege,
    "queues": check_queues,
    "signature_alarm": check_signature_alarm,
    "evidence_bucket": check_evidence_bucket,
    "routes": check_routes,
    "user_pool": check_user_pool,
    "functions": check_functions,
    "webhook_throttle": check_webhook_throttle,
    "webhook_alarms": check_webhook_alarms,
    "sweeper": check_sweeper,
    "global_names": check_global_names,
    "parameters": check_parameters,
    "action_names": check_action_names,
    "inventory": check_inventory,
}


def iter_all(template: dict) -> Iterator[tuple[str, list[str]]]:
    for name, check in ALL_CHECKS.items():
        yield name, check(template)


def flatten(values: Iterable[Iterable[str]]) -> list[str]:
    return [v for vs in values for v in vs]

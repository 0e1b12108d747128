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
from pathlib import Path
from typing import Any, Iterable, Iterator

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
TABLES_RS = REPO / "shared" / "aws" / "src" / "tables.rs"
AWS_LIB_RS = REPO / "shared" / "aws" / "src" / "lib.rs"
AGGREGATES_RS = REPO / "shared" / "aws" / "src" / "aggregates.rs"
PORTS_RS = REPO / "shared" / "core" / "src" / "ports.rs"

# Logical ids the checks are about.
ROLES = {
    "WebhookFunction": "WebhookRole",
    "MediaFunction": "MediaRole",
    "ClassifierFunction": "ClassifierRole",
    "NotifierFunction": "NotifierRole",
    "DashboardFunction": "DashboardRole",
}
BINARIES = {
    "WebhookFunction": "webhook",
    "MediaFunction": "media",
    "ClassifierFunction": "classifier",
    "NotifierFunction": "notifier",
    "DashboardFunction": "dashboard",
}
CONTACT_KEY = "ContactKey"
PSEUDONYM_KEY = "PseudonymKey"
EVIDENCE_KEY = "EvidenceKey"
EVIDENCE_BUCKET = "EvidenceBucket"
CONVERSATIONS_TABLE = "ConversationsTable"
BASIC_EXECUTION_POLICY = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

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


def principals(stmt: dict, template: dict) -> set[str]:
    """Who a resource-policy statement is about: "*", "root", "role:<logical id>",
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
# (2) Only the webhook can use the HMAC key, and only for GenerateMac.
# --------------------------------------------------------------------------------------


def check_pseudonym_key(template: dict) -> list[str]:
    problems = _only_these_use(template, PSEUDONYM_KEY, {"role:WebhookRole": {"kms:GenerateMac"}})
    if "kms:GenerateMac" not in key_usage(template, PSEUDONYM_KEY).get("role:WebhookRole", set()):
        problems.append("the webhook role cannot derive the pseudonym key")
    p = props(template, PSEUDONYM_KEY)
    if p.get("KeySpec") != "HMAC_256" or p.get("KeyUsage") != "GENERATE_VERIFY_MAC":
        problems.append("PseudonymKey is not an HMAC_256 GENERATE_VERIFY_MAC key")
    problems += _explicit_deny_except(template, PSEUDONYM_KEY, ["kms:GenerateMac", "kms:VerifyMac"], "WebhookRole")
    return problems


def check_root_cannot_use_keys(template: dict) -> list[str]:
    """The account root administers every key but uses none, so no IAM policy alone can
    grant use; and it can still administer each (no lockout)."""
    problems = []
    for key in resources(template, "AWS::KMS::Key"):
        administers = False
        for stmt in key_policy(template, key):
            if "root" not in principals(stmt, template) and "*" not in principals(stmt, template):
                continue
            if "root" in principals(stmt, template):
                administers = administers or action_allowed(stmt, "kms:PutKeyPolicy")
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
    return _only_these_use(
        template,
        EVIDENCE_KEY,
        {
            "role:MediaRole": {"kms:GenerateDataKey", "kms:Decrypt"},
            "role:DashboardRole": {"kms:Decrypt"},
        },
    )


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


# Each function's environment, exactly: what it needs and nothing else.
EXPECTED_ENVIRONMENT = {
    "WebhookFunction": {
        "SATARK_CONVERSATIONS_TABLE",
        "SATARK_DEDUPE_TABLE",
        "SATARK_REPORTS_TABLE",
        "SATARK_EVIDENCE_BUCKET",
        "SATARK_EVIDENCE_KEY_ID",
        "SATARK_OUTBOUND_QUEUE_URL",
        "SATARK_MEDIA_QUEUE_URL",
        "SATARK_REPORTS_QUEUE_URL",
        "SATARK_PSEUDONYM_KEY_ID",
        "SATARK_CONTACT_KEY_ID",
        "SATARK_WHATSAPP_SECRET_ARN",
        "SATARK_WHATSAPP_PHONE_NUMBER_ID",
        "RUST_LOG",
    },
    "MediaFunction": {
        # Its store adapter wants all three names; its role reaches no dedupe record.
        "SATARK_CONVERSATIONS_TABLE",
        "SATARK_DEDUPE_TABLE",
        "SATARK_REPORTS_TABLE",
        "SATARK_EVIDENCE_BUCKET",
        "SATARK_EVIDENCE_KEY_ID",
        "SATARK_OUTBOUND_QUEUE_URL",
        "SATARK_WHATSAPP_SECRET_ARN",
        "SATARK_WHATSAPP_PHONE_NUMBER_ID",
        "SATARK_GRAPH_API_VERSION",
        "RUST_LOG",
    },
    "ClassifierFunction": {
        # Its store adapter wants all three names; its role reaches no conversation.
        "SATARK_CONVERSATIONS_TABLE",
        "SATARK_REPORTS_TABLE",
        "SATARK_AGGREGATES_TABLE",
        "SATARK_DEDUPE_TABLE",
        "SATARK_OUTBOUND_QUEUE_URL",
        "RUST_LOG",
    },
    "NotifierFunction": {
        "SATARK_CONTACT_KEY_ID",
        "SATARK_WHATSAPP_SECRET_ARN",
        "SATARK_WHATSAPP_PHONE_NUMBER_ID",
        "SATARK_GRAPH_API_VERSION",
        "RUST_LOG",
    },
    "DashboardFunction": {
        "SATARK_REPORTS_TABLE",
        "SATARK_AGGREGATES_TABLE",
        "SATARK_AUDIT_TABLE",
        "SATARK_EVIDENCE_BUCKET",
        "SATARK_EVIDENCE_KEY_ID",
        "SATARK_OUTBOUND_QUEUE_URL",
        "RUST_LOG",
    },
}

# What each variable must name.
ENVIRONMENT_TARGETS = {
    "SATARK_CONVERSATIONS_TABLE": "ConversationsTable",
    "SATARK_DEDUPE_TABLE": "DedupeTable",
    "SATARK_REPORTS_TABLE": "ReportsTable",
    "SATARK_AGGREGATES_TABLE": "AggregatesTable",
    "SATARK_AUDIT_TABLE": "AuditTable",
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
    "RUST_LOG": "LogLevel",
}


def check_function_environments(template: dict) -> list[str]:
    problems = []
    for function, expected in EXPECTED_ENVIRONMENT.items():
        env = function_environment(template, function)
        extra, missing = set(env) - expected, expected - set(env)
        if extra:
            problems.append(f"{function} gets variables it does not need: {sorted(extra)}")
        if missing:
            problems.append(f"{function} lacks {sorted(missing)}")
        for name, value in env.items():
            target = ENVIRONMENT_TARGETS.get(name)
            if target and refs(value) != {target}:
                problems.append(f"{function}'s {name} does not name {target}")
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
            if literal_text(arn) != BASIC_EXECUTION_POLICY:
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
    for function in resources(template, "AWS::Serverless::Function"):
        timeout = int(function_property(template, function, "Timeout", 3))
        for name, event in events_of(template, function, "SQS").items():
            ep = event.get("Properties", {})
            queue = _queue_of(ep.get("Queue"), template)
            if "ReportBatchItemFailures" not in as_list(ep.get("FunctionResponseTypes")):
                problems.append(f"{function}.{name} does not report batch item failures")
            if queue is None:
                problems.append(f"{function}.{name} consumes a queue outside the template")
                continue
            consumed.add(queue)
            if queue in dlqs:
                problems.append(f"{function}.{name} consumes the dead-letter queue {queue}")
            visibility = int(queues[queue].get("Properties", {}).get("VisibilityTimeout", 30))
            if visibility < 6 * timeout:
                problems.append(f"{queue}'s visibility timeout {visibility}s is under 6x {function}'s {timeout}s")
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
    problems = []
    functions = resources(template, "AWS::Serverless::Function")
    if set(functions) != set(BINARIES):
        problems.append(f"functions are {sorted(functions)}, expected {sorted(BINARIES)}")
    for function, res in functions.items():
        metadata = res.get("Metadata", {}) or {}
        checks = {
            "Runtime": (function_property(template, function, "Runtime"), "provided.al2023"),
            "Architectures": (function_property(template, function, "Architectures"), ["arm64"]),
            "Handler": (function_property(template, function, "Handler"), "bootstrap"),
            "CodeUri": (function_property(template, function, "CodeUri"), "."),
            "Metadata.BuildMethod": (metadata.get("BuildMethod"), "rust-cargolambda"),
            "Metadata.Binary": (metadata.get("Binary"), BINARIES.get(function)),
            "LoggingConfig.LogFormat": (
                (function_property(template, function, "LoggingConfig", {}) or {}).get("LogFormat"),
                "JSON",
            ),
        }
        for what, (actual, expected) in checks.items():
            if actual != expected:
                problems.append(f"{function} {what} is {actual!r}, not {expected!r}")
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
    for name, scalar in re.findall(
        r"attribute_name\(attr::(\w+)\)\s*\.attribute_type\(ScalarAttributeType::(\w+)\)", body
    ):
        types[attr(name)] = scalar[0]

    gsis: dict[str, dict] = {}
    # The index is built in one `let` statement, ending in the only `?;` of it.
    for block in re.findall(r"GlobalSecondaryIndex::builder\(\)(.*?)\?;", body, re.S):
        name = re.search(r"\.index_name\((\w+)\)", block)
        hash_ = re.search(r"\.key_schema\(hash_key\(\w+, attr::(\w+)\)", block)
        range_ = re.search(r"attribute_name\(attr::(\w+)\)\s*\.key_type\(KeyType::Range\)", block)
        projection = re.search(r"ProjectionType::(\w+)", block)
        if not (name and hash_ and projection):
            raise ValueError("tables.rs: cannot read the GSI definition")
        index = attr(name.group(1))
        gsis[index] = {
            "hash": (attr(hash_.group(1)), types.get(attr(hash_.group(1)))),
            "range": (attr(range_.group(1)), types.get(attr(range_.group(1)))) if range_ else None,
            "projection": projection.group(1).upper(),
            "non_key": sorted(attr(a) for a in re.findall(r"\.non_key_attributes\(attr::(\w+)\)", block)),
        }

    tables: dict[str, dict] = {}
    for block, ttl in re.findall(r"TableDefinition \{(.*?)ttl_attribute: (None|Some\(attr::\w+\))", body, re.S):
        names = set(re.findall(r"names\.(conversations|dedupe|reports)", block))
        if "simple_table(reports)" in block:
            names.add("reports")
        if len(names) != 1:
            raise ValueError(f"tables.rs: cannot tell which table a definition is ({names})")
        table = names.pop()
        ttl_attr = re.match(r"Some\(attr::(\w+)\)", ttl)
        uses_gsi = ".global_secondary_indexes(" in block
        tables[table] = {
            "hash": base_key,
            "ttl": attr(ttl_attr.group(1)) if ttl_attr else None,
            "gsis": gsis if uses_gsi else {},
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
        r"GSI `(\w+)`: partition `(\w+)` \((\w)\b.*?\), sort `(\w+)` \((\w)\),\s*(?://!\s*)?projection (\w+) `(\w+)`",
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
            "non_key": [gsi.group(7)],
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
    # The audit table reuses the aggregates table's definition (shared/aws/src/audit.rs).
    for name in ("AggregatesTable", "AuditTable"):
        agg = _template_table(template, name)
        actual_range = (agg["range"], agg["attributes"].get(agg["range"])) if agg["range"] else None
        if (agg["hash"], actual_range) != (aggregates["hash"], aggregates["range"]) or agg["gsis"] or agg["ttl"] or (
            agg["attributes"] != want_attributes
        ):
            problems.append(f"{name} is not {aggregates} without TTL or index (aggregates.rs): {agg}")
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


ALL_CHECKS = {
    "contact_key": check_contact_key,
    "pseudonym_key": check_pseudonym_key,
    "root_cannot_use_keys": check_root_cannot_use_keys,
    "evidence_key": check_evidence_key,
    "dashboard_isolation": check_dashboard_isolation,
    "function_environments": check_function_environments,
    "least_privilege": check_least_privilege,
    "queues": check_queues,
    "signature_alarm": check_signature_alarm,
    "evidence_bucket": check_evidence_bucket,
    "routes": check_routes,
    "user_pool": check_user_pool,
    "functions": check_functions,
}


def iter_all(template: dict) -> Iterator[tuple[str, list[str]]]:
    for name, check in ALL_CHECKS.items():
        yield name, check(template)


def flatten(values: Iterable[Iterable[str]]) -> list[str]:
    return [v for vs in values for v in vs]

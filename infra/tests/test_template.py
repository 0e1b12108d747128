"""Security properties of template.yaml.

Each property is a check in template_checks.py that lists violations. The tests below
run it on the real template (nothing may be reported) and on a copy broken on purpose
(the breakage must be reported), so no check can pass vacuously.
"""

from __future__ import annotations

from typing import Callable

import pytest

import template_checks as tc
from mutations import Mutation, allow, assert_reports, broken, getatt, key_statements, policy, props, res, sid


@pytest.fixture(scope="module")
def template() -> dict:
    return tc.load_template()


@pytest.fixture(scope="module")
def tables_rs() -> str:
    return tc.TABLES_RS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def lib_rs() -> str:
    return tc.AWS_LIB_RS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def aggregates_rs() -> str:
    return tc.AGGREGATES_RS.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------
# The real template holds every property.
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(tc.ALL_CHECKS))
def test_template_holds(template: dict, name: str) -> None:
    assert tc.ALL_CHECKS[name](template) == []


def test_tables_mirror_tables_rs_and_the_crate_doc(
    template: dict, tables_rs: str, lib_rs: str, aggregates_rs: str
) -> None:
    assert tc.check_tables(template, tables_rs, lib_rs, aggregates_rs) == []


def test_generated_routes_keep_their_authorizers(template: dict) -> None:
    assert tc.check_transformed_routes(template) == []


def test_tables_rs_is_read_as_the_crate_defines_it(tables_rs: str) -> None:
    tables = tc.parse_tables_rs(tables_rs)
    assert tables["conversations"] == {
        "hash": ("pk", "S"),
        "ttl": None,
        "gsis": {
            "sweep": {
                "hash": ("sweep_shard", "S"),
                "range": ("updated_at", "N"),
                "projection": "INCLUDE",
                "non_key": ["has_draft"],
            }
        },
    }
    assert tables["dedupe"] == {"hash": ("pk", "S"), "ttl": "expires_at", "gsis": {}}
    assert tc.parse_aggregates_rs(tc.AGGREGATES_RS.read_text(encoding="utf-8"), tables_rs) == {
        "hash": ("pk", "S"),
        "range": ("sk", "S"),
    }
    assert tables["reports"]["gsis"] == {
        "recent": {
            "hash": ("recent_pk", "S"),
            "range": ("submitted_at", "N"),
            "projection": "INCLUDE",
            "non_key": ["body", "triage_status"],
        },
        "informant": {
            "hash": ("informant", "S"),
            "range": ("submitted_at", "N"),
            "projection": "INCLUDE",
            "non_key": ["closed_at", "triage_status"],
        },
        "purge": {
            "hash": ("purge_pk", "S"),
            "range": ("verdict_at", "N"),
            "projection": "KEYS_ONLY",
            "non_key": [],
        },
    }


# --------------------------------------------------------------------------------------
# (1) Only the notifier role can decrypt with the contact key.
# --------------------------------------------------------------------------------------

CONTACT_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "dashboard role policy decrypts": (
        lambda t: policy(t, "DashboardPolicy").append(allow("kms:Decrypt", getatt("ContactKey"))),
        "role:DashboardRole may ['kms:Decrypt'] with ContactKey",
    ),
    "webhook role policy decrypts": (
        lambda t: sid(policy(t, "WebhookPolicy"), "SealReplyAddresses").update(Action=["kms:Encrypt", "kms:Decrypt"]),
        "role:WebhookRole may ['kms:Decrypt'] with ContactKey",
    ),
    "classifier kms:* on every key": (
        lambda t: policy(t, "ClassifierPolicy").append(allow("kms:*", "*")),
        "role:ClassifierRole may",
    ),
    "re-encrypt out of the contact key": (
        lambda t: policy(t, "MediaPolicy").append(allow("kms:ReEncryptFrom", getatt("ContactKey"))),
        "role:MediaRole may ['kms:ReEncryptFrom'] with ContactKey",
    ),
    "key policy lets the webhook decrypt": (
        lambda t: sid(key_statements(t, "ContactKey"), "WebhookSealsReplyAddresses").update(
            Action=["kms:Encrypt", "kms:Decrypt"]
        ),
        "role:WebhookRole may ['kms:Decrypt'] with ContactKey",
    ),
    "key policy's condition matches every role": (
        lambda t: sid(key_statements(t, "ContactKey"), "NotifierOpensReplyAddresses")["Condition"].update(
            ArnEquals={},
            ArnLike={"aws:PrincipalArn": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"}},
        ),
        "root may ['kms:Decrypt'] with ContactKey",
    ),
    "key policy lets everyone decrypt": (
        lambda t: key_statements(t, "ContactKey").append(
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}
        ),
        "* may ['kms:Decrypt'] with ContactKey",
    ),
    "explicit deny removed": (
        lambda t: key_statements(t, "ContactKey").remove(sid(key_statements(t, "ContactKey"), "NobodyElseDecrypts")),
        "no explicit Deny",
    ),
    "explicit deny spares the dashboard instead": (
        lambda t: sid(key_statements(t, "ContactKey"), "NobodyElseDecrypts")["Condition"]["ArnNotEquals"].update(
            {"aws:PrincipalArn": getatt("DashboardRole")}
        ),
        "no explicit Deny",
    ),
    "explicit deny narrowed by another condition": (
        lambda t: sid(key_statements(t, "ContactKey"), "NobodyElseDecrypts")["Condition"].update(
            {"Bool": {"aws:ViaAWSService": "true"}}
        ),
        "no explicit Deny",
    ),
    "notifier cannot decrypt": (
        lambda t: key_statements(t, "ContactKey").remove(
            sid(key_statements(t, "ContactKey"), "NotifierOpensReplyAddresses")
        ) or policy(t, "NotifierPolicy").remove(sid(policy(t, "NotifierPolicy"), "OpenReplyAddresses")),
        "the notifier role cannot decrypt",
    ),
}


@pytest.mark.parametrize("case", list(CONTACT_BREAKAGES))
def test_contact_key_breakage_is_caught(template: dict, case: str) -> None:
    mutate, fragment = CONTACT_BREAKAGES[case]
    assert_reports(tc.check_contact_key(broken(template, mutate)), fragment)


ROOT_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "root may use the contact key": (
        lambda t: sid(key_statements(t, "ContactKey"), "AccountRootAdministersButCannotUse")["Action"].append(
            "kms:Decrypt"
        ),
        "the account root may kms:Decrypt with ContactKey",
    ),
    "root gets kms:* on the evidence key": (
        lambda t: sid(key_statements(t, "EvidenceKey"), "AccountRootAdministersButCannotUse").update(Action="kms:*"),
        "the account root may kms:Decrypt with EvidenceKey",
    ),
    "root may mac": (
        lambda t: sid(key_statements(t, "PseudonymKey"), "AccountRootAdministersButCannotUse")["Action"].append(
            "kms:Generate*"
        ),
        "the account root may kms:GenerateMac with PseudonymKey",
    ),
    "root locked out of a key": (
        lambda t: sid(key_statements(t, "DataKey"), "AccountRootAdministersButCannotUse")["Action"].remove(
            "kms:PutKeyPolicy"
        ),
        "cannot administer DataKey",
    ),
    "root may create grants (and so give itself Decrypt)": (
        lambda t: sid(key_statements(t, "EvidenceKey"), "AccountRootAdministersButCannotUse")["Action"].append(
            "kms:CreateGrant"
        ),
        "the account root may kms:CreateGrant on EvidenceKey",
    ),
    "root administers by wildcard again": (
        lambda t: sid(key_statements(t, "ContactKey"), "AccountRootAdministersButCannotUse")["Action"].append(
            "kms:Create*"
        ),
        "the account root may kms:CreateGrant on ContactKey",
    ),
    "a use statement loses its principal condition": (
        lambda t: sid(key_statements(t, "ContactKey"), "NotifierOpensReplyAddresses")["Condition"].pop("ArnEquals"),
        "the account root may kms:Decrypt with ContactKey",
    ),
}


@pytest.mark.parametrize("case", list(ROOT_BREAKAGES))
def test_root_usage_breakage_is_caught(template: dict, case: str) -> None:
    mutate, fragment = ROOT_BREAKAGES[case]
    assert_reports(tc.check_root_cannot_use_keys(broken(template, mutate)), fragment)


# --------------------------------------------------------------------------------------
# (2) Only the webhook role can use the HMAC key, and only for GenerateMac.
# --------------------------------------------------------------------------------------

PSEUDONYM_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "classifier role macs": (
        lambda t: policy(t, "ClassifierPolicy").append(allow("kms:GenerateMac", getatt("PseudonymKey"))),
        "role:ClassifierRole may ['kms:GenerateMac'] with PseudonymKey",
    ),
    "dashboard role verifies macs through a wildcard": (
        lambda t: policy(t, "DashboardPolicy").append(
            allow("kms:VerifyMac", {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"})
        ),
        "role:DashboardRole may ['kms:VerifyMac'] with PseudonymKey",
    ),
    "key policy names the classifier": (
        lambda t: sid(key_statements(t, "PseudonymKey"), "WebhookDerivesPseudonymKey")["Principal"].update(
            AWS=[getatt("WebhookRole"), getatt("ClassifierRole")]
        ),
        "role:ClassifierRole may ['kms:GenerateMac'] with PseudonymKey",
    ),
    "key policy's condition admits the dashboard": (
        lambda t: sid(key_statements(t, "PseudonymKey"), "NotifierDerivesMessageKeys")["Condition"]["ArnEquals"].update(
            {"aws:PrincipalArn": [getatt("NotifierRole"), getatt("DashboardRole")]}
        ),
        "role:DashboardRole may ['kms:GenerateMac'] with PseudonymKey",
    ),
    "the notifier may verify too": (
        lambda t: sid(key_statements(t, "PseudonymKey"), "NotifierDerivesMessageKeys").update(
            Action=["kms:GenerateMac", "kms:VerifyMac"]
        ),
        "role:NotifierRole may ['kms:VerifyMac'] with PseudonymKey",
    ),
    "the notifier may not derive message keys": (
        lambda t: (
            key_statements(t, "PseudonymKey").remove(sid(key_statements(t, "PseudonymKey"), "NotifierDerivesMessageKeys")),
            policy(t, "NotifierPolicy").remove(sid(policy(t, "NotifierPolicy"), "DeriveMessageKeys")),
        ),
        "the notifier role cannot derive message keys",
    ),
    "deny excepts the notifier no more": (
        lambda t: sid(key_statements(t, "PseudonymKey"), "NobodyElseMacs")["Condition"]["ArnNotEquals"].update(
            {"aws:PrincipalArn": getatt("WebhookRole")}
        ),
        "no explicit Deny",
    ),
    "key policy's condition dropped": (
        lambda t: sid(key_statements(t, "PseudonymKey"), "WebhookDerivesPseudonymKey")["Condition"].pop("ArnEquals"),
        "root may ['kms:GenerateMac'] with PseudonymKey",
    ),
    "webhook may verify too": (
        lambda t: sid(policy(t, "WebhookPolicy"), "DerivePseudonymKey").update(Action=["kms:GenerateMac", "kms:VerifyMac"]),
        "role:WebhookRole may ['kms:VerifyMac'] with PseudonymKey",
    ),
    "deny removed": (
        lambda t: key_statements(t, "PseudonymKey").remove(sid(key_statements(t, "PseudonymKey"), "NobodyElseMacs")),
        "no explicit Deny",
    ),
    "not an hmac key": (
        lambda t: props(t, "PseudonymKey").update(KeySpec="SYMMETRIC_DEFAULT"),
        "not an HMAC_256",
    ),
}


@pytest.mark.parametrize("case", list(PSEUDONYM_BREAKAGES))
def test_pseudonym_key_breakage_is_caught(template: dict, case: str) -> None:
    mutate, fragment = PSEUDONYM_BREAKAGES[case]
    assert_reports(tc.check_pseudonym_key(broken(template, mutate)), fragment)


def test_evidence_key_breakage_is_caught(template: dict) -> None:
    t = broken(template, lambda t: policy(t, "WebhookPolicy").append(allow("kms:Decrypt", getatt("EvidenceKey"))))
    assert_reports(tc.check_evidence_key(t), "role:WebhookRole may ['kms:Decrypt'] with EvidenceKey")
    t = broken(template, lambda t: sid(key_statements(t, "EvidenceKey"), "MediaStoresEvidenceThroughS3").update(
        Action=["kms:GenerateDataKey", "kms:Decrypt"]))
    assert_reports(tc.check_evidence_key(t), "role:MediaRole may ['kms:Decrypt'] with EvidenceKey")
    # The classifier reads media records; it never writes evidence.
    t = broken(template, lambda t: sid(key_statements(t, "EvidenceKey"), "ClassifierReadsMediaRecordsThroughS3").update(
        Action=["kms:Decrypt", "kms:GenerateDataKey"]))
    assert_reports(tc.check_evidence_key(t), "role:ClassifierRole may ['kms:GenerateDataKey'] with EvidenceKey")


# Key policies allow roles by condition, never by name (IAM propagation on first deploy).
KEY_PRINCIPAL_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "contact key names the notifier role": (
        lambda t: sid(key_statements(t, "ContactKey"), "NotifierOpensReplyAddresses").update(
            Principal={"AWS": getatt("NotifierRole")}
        ),
        "ContactKey's statement NotifierOpensReplyAddresses names ['role:NotifierRole']",
    ),
    "evidence key names the media role": (
        lambda t: sid(key_statements(t, "EvidenceKey"), "MediaStoresEvidenceThroughS3").update(
            Principal={"AWS": [getatt("MediaRole")]}
        ),
        "EvidenceKey's statement MediaStoresEvidenceThroughS3 names ['role:MediaRole']",
    ),
}


KEY_CONDITION_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "reply addresses opened under any context": (
        lambda t: sid(key_statements(t, "ContactKey"), "NotifierOpensReplyAddresses")["Condition"].pop("StringEquals"),
        "ContactKey's statement NotifierOpensReplyAddresses does not require kms:EncryptionContext:purpose",
    ),
    "evidence keys outside S3": (
        lambda t: sid(key_statements(t, "EvidenceKey"), "MediaStoresEvidenceThroughS3")["Condition"].pop("StringEquals"),
        "EvidenceKey's statement MediaStoresEvidenceThroughS3 does not require kms:ViaService",
    ),
    "media records decrypted outside S3": (
        lambda t: sid(key_statements(t, "EvidenceKey"), "ClassifierReadsMediaRecordsThroughS3")["Condition"].pop(
            "StringEquals"
        ),
        "EvidenceKey's statement ClassifierReadsMediaRecordsThroughS3 does not require kms:ViaService",
    ),
    "any MAC algorithm": (
        lambda t: sid(key_statements(t, "PseudonymKey"), "WebhookDerivesPseudonymKey")["Condition"]["StringEquals"].update(
            {"kms:MacAlgorithm": ["HMAC_SHA_256", "HMAC_SHA_512"]}
        ),
        "PseudonymKey's statement WebhookDerivesPseudonymKey does not require kms:MacAlgorithm",
    ),
}


@pytest.mark.parametrize("case", list(KEY_CONDITION_BREAKAGES))
def test_key_condition_breakage_is_caught(template: dict, case: str) -> None:
    mutate, fragment = KEY_CONDITION_BREAKAGES[case]
    assert_reports(tc.check_key_use_conditions(broken(template, mutate)), fragment)


@pytest.mark.parametrize("case", list(KEY_PRINCIPAL_BREAKAGES))
def test_key_principal_breakage_is_caught(template: dict, case: str) -> None:
    mutate, fragment = KEY_PRINCIPAL_BREAKAGES[case]
    assert_reports(tc.check_key_principals(broken(template, mutate)), fragment)


def test_a_role_named_as_principal_still_counts_as_that_role(template: dict) -> None:
    """The checks of who may use a key read both forms, so moving back to named
    principals cannot hide a grant."""
    t = broken(template, KEY_PRINCIPAL_BREAKAGES["contact key names the notifier role"][0])
    assert tc.check_contact_key(t) == []
    t = broken(t, lambda t: key_statements(t, "ContactKey").append(
        {"Effect": "Allow", "Principal": {"AWS": getatt("DashboardRole")}, "Action": "kms:Decrypt", "Resource": "*"}))
    assert_reports(tc.check_contact_key(t), "role:DashboardRole may ['kms:Decrypt'] with ContactKey")


# --------------------------------------------------------------------------------------
# (3) The dashboard has no way to reply addresses.
# --------------------------------------------------------------------------------------

DASHBOARD_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "reads conversations": (
        lambda t: sid(policy(t, "DashboardPolicy"), "ReadReports").update(
            Resource=[getatt("ReportsTable"), getatt("ConversationsTable")]
        ),
        "reaches ConversationsTable",
    ),
    "reads every table": (
        lambda t: policy(t, "DashboardPolicy").append(
            allow("dynamodb:GetItem", {"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*"})
        ),
        "reaches ConversationsTable",
    ),
    "encrypts with the contact key": (
        lambda t: policy(t, "DashboardPolicy").append(allow("kms:Encrypt", getatt("ContactKey"))),
        "reaches ContactKey",
    ),
    "named in the pseudonym key's policy": (
        lambda t: key_statements(t, "PseudonymKey").append(
            {"Effect": "Allow", "Principal": {"AWS": getatt("DashboardRole")}, "Action": "kms:DescribeKey", "Resource": "*"}
        ),
        "PseudonymKey's policy allows DashboardRole",
    ),
    "gets the contact key id": (
        lambda t: props(t, "DashboardFunction")["Environment"]["Variables"].update(
            SATARK_CONTACT_KEY_ID=getatt("ContactKey")
        ),
        "has SATARK_CONTACT_KEY_ID",
    ),
    "gets the conversations table through Globals": (
        lambda t: t["Globals"]["Function"]["Environment"]["Variables"].update(
            SATARK_CONVERSATIONS_TABLE={"Ref": "ConversationsTable"}
        ),
        "has SATARK_CONVERSATIONS_TABLE",
    ),
    "gets the pseudonym key id": (
        lambda t: props(t, "DashboardFunction")["Environment"]["Variables"].update(
            SATARK_PSEUDONYM_KEY_ID={"Ref": "PseudonymKey"}
        ),
        "has SATARK_PSEUDONYM_KEY_ID",
    ),
    "runs as the webhook role": (
        lambda t: props(t, "DashboardFunction").update(Role=getatt("WebhookRole")),
        "does not run as DashboardRole",
    ),
}


@pytest.mark.parametrize("case", list(DASHBOARD_BREAKAGES))
def test_dashboard_breakage_is_caught(template: dict, case: str) -> None:
    mutate, fragment = DASHBOARD_BREAKAGES[case]
    assert_reports(tc.check_dashboard_isolation(broken(template, mutate)), fragment)


TRIAGE_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "the notifier reads fingerprints": (
        lambda t: policy(t, "NotifierPolicy").append(allow("dynamodb:Query", getatt("TriageTable"))),
        "NotifierRole statement Injected in NotifierPolicy reaches TriageTable",
    ),
    "the webhook writes through a table wildcard": (
        lambda t: policy(t, "WebhookPolicy").append(
            allow("dynamodb:PutItem", {"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*"})
        ),
        "WebhookRole statement Injected in WebhookPolicy reaches TriageTable",
    ),
    "the media role is given the table": (
        lambda t: props(t, "MediaFunction")["Environment"]["Variables"].update(SATARK_TRIAGE_TABLE={"Ref": "TriageTable"}),
        "MediaFunction's environment has SATARK_TRIAGE_TABLE",
    ),
    "the sweeper queries every partition": (
        lambda t: sid(policy(t, "SweeperPolicy"), "EscalateUnacknowledgedAlerts").pop("Condition"),
        "SweeperRole statement EscalateUnacknowledgedAlerts reaches TriageTable beyond its ALERT partition",
    ),
    "the sweeper deletes fingerprints": (
        lambda t: sid(policy(t, "SweeperPolicy"), "EscalateUnacknowledgedAlerts")["Condition"].update(
            {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["ALERT", "FP#JNP"]}}
        ),
        "SweeperRole statement EscalateUnacknowledgedAlerts reaches TriageTable beyond its ALERT partition",
    ),
}


@pytest.mark.parametrize("case", list(TRIAGE_BREAKAGES))
def test_triage_breakage_is_caught(template: dict, case: str) -> None:
    mutate, fragment = TRIAGE_BREAKAGES[case]
    assert_reports(tc.check_triage_isolation(broken(template, mutate)), fragment)


def test_environment_breakage_is_caught(template: dict) -> None:
    t = broken(template, lambda t: props(t, "ClassifierFunction")["Environment"]["Variables"].update(
        SATARK_CONTACT_KEY_ID=getatt("ContactKey")))
    assert_reports(tc.check_function_environments(t), "ClassifierFunction gets variables it does not need")
    t = broken(template, lambda t: props(t, "NotifierFunction")["Environment"]["Variables"].update(
        SATARK_CONTACT_KEY_ID={"Ref": "PseudonymKey"}))
    assert_reports(tc.check_function_environments(t), "NotifierFunction's SATARK_CONTACT_KEY_ID does not name ContactKey")
    t = broken(template, lambda t: t["Parameters"].update(WhatsAppAppSecret={"Type": "String", "NoEcho": True}))
    assert_reports(tc.check_function_environments(t), "looks like a secret value")


# --------------------------------------------------------------------------------------
# (4) Least privilege everywhere.
# --------------------------------------------------------------------------------------

PRIVILEGE_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "action *": (
        lambda t: policy(t, "MediaPolicy").append(allow("*", getatt("EvidenceBucket"))),
        "wildcard action *",
    ),
    "service wildcard": (
        lambda t: sid(policy(t, "ClassifierPolicy"), "AssessReports").update(Action="dynamodb:*"),
        "wildcard action dynamodb:*",
    ),
    "partial wildcard": (
        lambda t: sid(policy(t, "WebhookPolicy"), "EnqueueOutboundMediaAndReports").update(Action="sqs:Send*"),
        "wildcard action sqs:Send*",
    ),
    "resource *": (
        lambda t: sid(policy(t, "NotifierPolicy"), "WhatsAppSecret").update(Resource="*"),
        "wildcard resource *",
    ),
    "not-action": (
        lambda t: policy(t, "DashboardPolicy").append(
            {"Sid": "Sneaky", "Effect": "Allow", "NotAction": "iam:*", "Resource": getatt("ReportsTable")}
        ),
        "uses NotAction",
    ),
    "inline policy on the role itself": (
        lambda t: props(t, "MediaRole").update(
            Policies=[{"PolicyName": "extra", "PolicyDocument": {"Statement": [allow("s3:*", "*")]}}]
        ),
        "MediaRole.Policies statement Injected has wildcard action s3:*",
    ),
    "privilege escalation": (
        lambda t: policy(t, "WebhookPolicy").append(allow("iam:PassRole", getatt("NotifierRole"))),
        "allows iam:*",
    ),
    "extra managed policy": (
        lambda t: props(t, "DashboardRole").setdefault("ManagedPolicyArns", []).append(
            "arn:aws:iam::aws:policy/AdministratorAccess"
        ),
        "AdministratorAccess",
    ),
    "the basic execution policy (every log group)": (
        lambda t: props(t, "SweeperRole").setdefault("ManagedPolicyArns", []).append(
            {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}
        ),
        "SweeperRole has managed policy",
    ),
    "SAM policy template": (
        lambda t: props(t, "ClassifierFunction").update(Policies=[{"DynamoDBCrudPolicy": {"TableName": "x"}}]),
        "uses SAM Policies",
    ),
    "a separate managed policy": (
        lambda t: t["Resources"].update(
            Extra={
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"Roles": [{"Ref": "DashboardRole"}],
                               "PolicyDocument": {"Statement": [allow("kms:Decrypt", "*")]}},
            }
        ),
        "Extra statement Injected has wildcard resource *",
    ),
    "shared role": (
        lambda t: props(t, "ClassifierFunction").update(Role=getatt("MediaRole")),
        "ClassifierFunction does not run as ClassifierRole",
    ),
}


@pytest.mark.parametrize("case", list(PRIVILEGE_BREAKAGES))
def test_privilege_breakage_is_caught(template: dict, case: str) -> None:
    mutate, fragment = PRIVILEGE_BREAKAGES[case]
    assert_reports(tc.check_least_privilege(broken(template, mutate)), fragment)


def test_a_separate_managed_policy_also_counts_for_the_key_checks(template: dict) -> None:
    t = broken(template, PRIVILEGE_BREAKAGES["a separate managed policy"][0])
    assert_reports(tc.check_contact_key(t), "role:DashboardRole may ['kms:Decrypt'] with ContactKey")


# --------------------------------------------------------------------------------------
# (5) Queues: partial batch failures, dead letters with alarms.
# --------------------------------------------------------------------------------------

QUEUE_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "no partial batch failures": (
        lambda t: props(t, "MediaFunction")["Events"]["MediaJobs"]["Properties"].pop("FunctionResponseTypes"),
        "MediaFunction.MediaJobs does not report batch item failures",
    ),
    "no dead-letter queue": (
        lambda t: props(t, "ReportsQueue").pop("RedrivePolicy"),
        "ReportsQueue has no dead-letter queue",
    ),
    "dead letters without an alarm": (
        lambda t: t["Resources"].pop("OutboundDeadLetterAlarm"),
        "OutboundDeadLetterQueue (dead letters of OutboundQueue) has no alarm",
    ),
    "alarm without action": (
        lambda t: props(t, "MediaDeadLetterAlarm").pop("AlarmActions"),
        "MediaDeadLetterQueue (dead letters of MediaQueue) has no alarm",
    ),
    "alarm on the wrong queue": (
        lambda t: props(t, "ReportsDeadLetterAlarm")["Dimensions"][0].update(
            Value={"Fn::GetAtt": ["ReportsQueue", "QueueName"]}
        ),
        "ReportsDeadLetterQueue (dead letters of ReportsQueue) has no alarm",
    ),
    "standard dead-letter queue for a FIFO queue": (
        lambda t: props(t, "OutboundDeadLetterQueue").pop("FifoQueue"),
        "differ in FIFO-ness",
    ),
    "too many receives": (
        lambda t: props(t, "MediaQueue")["RedrivePolicy"].update(maxReceiveCount=50),
        "MediaQueue dead-letters after 50 receives",
    ),
    "short visibility timeout": (
        lambda t: props(t, "MediaQueue").update(VisibilityTimeout=300),
        "MediaQueue's visibility timeout 300s is under 6x MediaFunction's 300s",
    ),
    "unencrypted queue": (
        lambda t: props(t, "ReportsDeadLetterQueue").pop("SqsManagedSseEnabled"),
        "ReportsDeadLetterQueue is not encrypted at rest",
    ),
    "notifier batch size": (
        lambda t: props(t, "NotifierFunction")["Events"]["OutboundMessages"]["Properties"].update(BatchSize=1),
        "batches of 10",
    ),
    "content-based deduplication": (
        lambda t: props(t, "OutboundQueue").update(ContentBasedDeduplication=True),
        "content-based deduplication off",
    ),
    "uncapped queue consumer": (
        lambda t: props(t, "MediaFunction")["Events"]["MediaJobs"]["Properties"].pop("ScalingConfig"),
        "MediaFunction.MediaJobs has MaximumConcurrency None",
    ),
    "queue consumers take a new account's whole quota": (
        lambda t: [
            props(t, f)["Events"][e]["Properties"]["ScalingConfig"].update(MaximumConcurrency=4)
            for f, e in (("MediaFunction", "MediaJobs"), ("NotifierFunction", "OutboundMessages"))
        ],
        "the queue consumers may run 10 at once, over 8",
    ),
}


@pytest.mark.parametrize("case", list(QUEUE_BREAKAGES))
def test_queue_breakage_is_caught(template: dict, case: str) -> None:
    mutate, fragment = QUEUE_BREAKAGES[case]
    assert_reports(tc.check_queues(broken(template, mutate)), fragment)


def test_signature_alarm_breakage_is_caught(template: dict) -> None:
    t = broken(template, lambda t: t["Resources"].pop("WebhookSignatureRejectedAlarm"))
    assert_reports(tc.check_signature_alarm(t), "no alarm on the rejected-signature metric")
    t = broken(template, lambda t: props(t, "WebhookSignatureRejectedMetric").update(
        LogGroupName={"Ref": "MediaLogGroup"}))
    assert_reports(tc.check_signature_alarm(t), "no metric filter")


# --------------------------------------------------------------------------------------
# (6) The evidence bucket.
# --------------------------------------------------------------------------------------


def _bucket_policy(t: dict) -> list[dict]:
    return policy(t, "EvidenceBucketPolicy")


BUCKET_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "TLS not enforced": (
        lambda t: _bucket_policy(t).remove(sid(_bucket_policy(t), "DenyInsecureTransport")),
        "does not deny requests without TLS",
    ),
    "TLS only enforced on objects": (
        lambda t: sid(_bucket_policy(t), "DenyInsecureTransport").update(
            Resource=[{"Fn::Sub": "${EvidenceBucket.Arn}/*"}]
        ),
        "does not deny requests without TLS",
    ),
    "SSE-KMS not enforced": (
        lambda t: _bucket_policy(t).remove(sid(_bucket_policy(t), "DenyPutWithoutSseKms")),
        "does not deny PutObject without SSE-KMS",
    ),
    "SSE-S3 by default": (
        lambda t: props(t, "EvidenceBucket")["BucketEncryption"]["ServerSideEncryptionConfiguration"][0].update(
            ServerSideEncryptionByDefault={"SSEAlgorithm": "AES256"}
        ),
        "not SSE-KMS with EvidenceKey",
    ),
    "no bucket key": (
        lambda t: props(t, "EvidenceBucket")["BucketEncryption"]["ServerSideEncryptionConfiguration"][0].update(
            BucketKeyEnabled=False
        ),
        "no S3 bucket key",
    ),
    "public policies allowed": (
        lambda t: props(t, "EvidenceBucket")["PublicAccessBlockConfiguration"].update(BlockPublicPolicy=False),
        "does not set BlockPublicPolicy",
    ),
    "no public access block": (
        lambda t: props(t, "EvidenceBucket").pop("PublicAccessBlockConfiguration"),
        "does not set RestrictPublicBuckets",
    ),
    "ACLs enabled": (
        lambda t: props(t, "EvidenceBucket")["OwnershipControls"]["Rules"][0].update(ObjectOwnership="ObjectWriter"),
        "not BucketOwnerEnforced",
    ),
    "public read": (
        lambda t: _bucket_policy(t).append(
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": {"Fn::Sub": "${EvidenceBucket.Arn}/*"}}
        ),
        "allows everyone something",
    ),
    "purge rule removed": (
        lambda t: props(t, "EvidenceBucket")["LifecycleConfiguration"]["Rules"].pop(),
        "satark:purge=true do not expire",
    ),
    "not versioned": (
        lambda t: props(t, "EvidenceBucket").pop("VersioningConfiguration"),
        "not versioned",
    ),
}


@pytest.mark.parametrize("case", list(BUCKET_BREAKAGES))
def test_bucket_breakage_is_caught(template: dict, case: str) -> None:
    mutate, fragment = BUCKET_BREAKAGES[case]
    assert_reports(tc.check_evidence_bucket(broken(template, mutate)), fragment)


# --------------------------------------------------------------------------------------
# (7) Routes.
# --------------------------------------------------------------------------------------


def _event(t: dict, function: str, name: str) -> dict:
    return props(t, function)["Events"][name]["Properties"]


ROUTE_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "webhook behind the JWT authorizer": (
        lambda t: _event(t, "WebhookFunction", "ReceiveWebhook").pop("Auth"),
        "the webhook route POST /webhook has authorizer CognitoJwt",
    ),
    "dashboard route without authorizer": (
        lambda t: _event(t, "DashboardFunction", "ApiGet").update(Auth={"Authorizer": "NONE"}),
        "the dashboard route GET /api/{proxy+} is not behind the JWT authorizer",
    ),
    "no default authorizer": (
        lambda t: props(t, "HttpApi")["Auth"].pop("DefaultAuthorizer"),
        "default authorizer is not the Cognito JWT authorizer",
    ),
    "authorizer trusts another issuer": (
        lambda t: props(t, "HttpApi")["Auth"]["Authorizers"]["CognitoJwt"]["JwtConfiguration"].update(
            issuer="https://accounts.example.com"
        ),
        "issuer is not the user pool",
    ),
    "extra public route": (
        lambda t: props(t, "DashboardFunction")["Events"].update(
            Open={"Type": "HttpApi", "Properties": {"ApiId": {"Ref": "HttpApi"}, "Method": "GET",
                                                    "Path": "/api/export", "Auth": {"Authorizer": "NONE"}}}
        ),
        "the dashboard route GET /api/export is not behind the JWT authorizer",
    ),
    "webhook route missing": (
        lambda t: props(t, "WebhookFunction")["Events"].pop("VerifyWebhook"),
        "not GET and POST /webhook",
    ),
}


@pytest.mark.parametrize("case", list(ROUTE_BREAKAGES))
def test_route_breakage_is_caught(template: dict, case: str) -> None:
    mutate, fragment = ROUTE_BREAKAGES[case]
    assert_reports(tc.check_routes(broken(template, mutate)), fragment)


def test_generated_route_breakage_is_caught(template: dict) -> None:
    t = broken(template, ROUTE_BREAKAGES["dashboard route without authorizer"][0])
    assert_reports(tc.check_transformed_routes(t), "generated GET /api/{proxy+} is not behind a JWT authorizer")
    t = broken(template, ROUTE_BREAKAGES["webhook behind the JWT authorizer"][0])
    assert_reports(tc.check_transformed_routes(t), "generated POST /webhook has security ['CognitoJwt']")


# --------------------------------------------------------------------------------------
# (8) The user pool.
# --------------------------------------------------------------------------------------

POOL_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "optional MFA": (lambda t: props(t, "UserPool").update(MfaConfiguration="OPTIONAL"), "not required"),
    "SMS MFA": (
        lambda t: props(t, "UserPool").update(EnabledMfas=["SMS_MFA", "SOFTWARE_TOKEN_MFA"]),
        "not TOTP alone",
    ),
    "self sign-up": (
        lambda t: props(t, "UserPool")["AdminCreateUserConfig"].update(AllowAdminCreateUserOnly=False),
        "anyone can sign up",
    ),
    "weak passwords": (
        lambda t: props(t, "UserPool")["Policies"]["PasswordPolicy"].update(MinimumLength=8),
        "weak",
    ),
    "client secret": (lambda t: props(t, "ConsoleClient").update(GenerateSecret=True), "has a secret"),
    "implicit flow": (
        lambda t: props(t, "ConsoleClient").update(AllowedOAuthFlows=["code", "implicit"]),
        "authorization code flow alone",
    ),
    "user existence revealed": (
        lambda t: props(t, "ConsoleClient").update(PreventUserExistenceErrors="LEGACY"),
        "reveals which officers exist",
    ),
    "officers set their own district": (
        lambda t: props(t, "ConsoleClient")["WriteAttributes"].append("custom:district"),
        "custom:district/station",
    ),
    "password sign-in": (
        lambda t: props(t, "ConsoleClient")["ExplicitAuthFlows"].append("ALLOW_USER_PASSWORD_AUTH"),
        "bypass the hosted UI",
    ),
    "group missing": (lambda t: t["Resources"].pop("AnalystGroup"), "groups are"),
}


@pytest.mark.parametrize("case", list(POOL_BREAKAGES))
def test_user_pool_breakage_is_caught(template: dict, case: str) -> None:
    mutate, fragment = POOL_BREAKAGES[case]
    assert_reports(tc.check_user_pool(broken(template, mutate)), fragment)


# --------------------------------------------------------------------------------------
# (9) Functions.
# --------------------------------------------------------------------------------------

def _old_layout(t: dict) -> None:
    """The layout that shipped the CLI as every function: CodeUri at the workspace root
    and the binary under Metadata.Binary, which SAM ignores."""
    t["Globals"]["Function"]["CodeUri"] = "."
    for f in tc.BINARIES:
        props(t, f).pop("CodeUri")
        meta = res(t, f)["Metadata"]
        meta["Binary"] = meta.pop("BuildProperties")["Binary"]


FUNCTION_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "x86": (lambda t: props(t, "MediaFunction").update(Architectures=["x86_64"]), "MediaFunction Architectures"),
    "old runtime in Globals": (lambda t: t["Globals"]["Function"].update(Runtime="provided.al2"), "Runtime is 'provided.al2'"),
    "not built by cargo-lambda": (
        lambda t: res(t, "NotifierFunction")["Metadata"].update(BuildMethod="makefile"),
        "NotifierFunction Metadata.BuildMethod",
    ),
    "wrong binary": (
        lambda t: res(t, "DashboardFunction")["Metadata"]["BuildProperties"].update(Binary="webhook"),
        "DashboardFunction Metadata.BuildProperties.Binary is 'webhook'",
    ),
    "another function's crate": (
        lambda t: props(t, "NotifierFunction").update(CodeUri="functions/webhook"),
        "NotifierFunction CodeUri is 'functions/webhook'",
    ),
    "the old layout (CLI in every function)": (
        _old_layout,
        "WebhookFunction CodeUri is '.', not 'functions/webhook'",
    ),
    "binary under Metadata.Binary": (
        lambda t: res(t, "MediaFunction")["Metadata"].update(Binary="media"),
        "MediaFunction sets Metadata.Binary, which SAM ignores",
    ),
    "sweeper missing": (lambda t: t["Resources"].pop("SweeperFunction"), "expected ['ClassifierFunction'"),
    "text logs": (
        lambda t: props(t, "ClassifierFunction")["LoggingConfig"].update(LogFormat="Text"),
        "ClassifierFunction LoggingConfig.LogFormat",
    ),
}


@pytest.mark.parametrize("case", list(FUNCTION_BREAKAGES))
def test_function_breakage_is_caught(template: dict, case: str) -> None:
    mutate, fragment = FUNCTION_BREAKAGES[case]
    assert_reports(tc.check_functions(broken(template, mutate)), fragment)


def test_every_main_holds_its_marker() -> None:
    """What scripts/sam-build-check looks for in each bootstrap is in each main.rs."""
    assert tc.check_function_markers() == []


def test_marker_breakage_is_caught() -> None:
    mains = tc.function_mains()
    wrong = dict(mains, webhook=mains["webhook"].replace("satark-function=webhook", "satark-function=media"))
    assert_reports(tc.check_function_markers(wrong), "functions/webhook/src/main.rs holds markers ['media']")
    unkept = dict(mains, notifier=mains["notifier"].replace("std::hint::black_box(FUNCTION_MARKER);", ""))
    assert_reports(tc.check_function_markers(unkept), "functions/notifier/src/main.rs does not keep its marker alive")
    missing = {k: v for k, v in mains.items() if k != "dashboard"}
    assert_reports(tc.check_function_markers(missing), "DashboardFunction: functions/dashboard/src/main.rs is missing")


# --------------------------------------------------------------------------------------
# (11) The webhook's throttle and alarms; the sweeper.
# --------------------------------------------------------------------------------------

def _alarm_metric(t: dict, alarm: str, metric_id: str) -> dict:
    return next(m for m in props(t, alarm)["Metrics"] if m["Id"] == metric_id)


WEBHOOK_BREAKAGES: dict[str, tuple[Callable[[dict], list[str]], Mutation, str]] = {
    "webhook shares the default throttle": (
        tc.check_webhook_throttle,
        lambda t: props(t, "HttpApi")["RouteSettings"].pop("POST /webhook"),
        "POST /webhook has no route settings",
    ),
    "handshake route shares it too": (
        tc.check_webhook_throttle,
        lambda t: props(t, "HttpApi")["RouteSettings"].pop("GET /webhook"),
        "GET /webhook has no route settings",
    ),
    "webhook throttle above the default": (
        tc.check_webhook_throttle,
        lambda t: props(t, "HttpApi")["RouteSettings"]["POST /webhook"].update(ThrottlingRateLimit=5000),
        "is above the default",
    ),
    "no route metrics": (
        tc.check_webhook_throttle,
        lambda t: props(t, "HttpApi")["RouteSettings"]["POST /webhook"].pop("DetailedMetricsEnabled"),
        "no route-level metrics",
    ),
    "5xx alarm removed": (
        tc.check_webhook_alarms,
        lambda t: t["Resources"].pop("WebhookServerErrorRateAlarm"),
        "no alarm on the 5xx rate",
    ),
    "4xx alarm on the whole API, not the webhook route": (
        tc.check_webhook_alarms,
        lambda t: [
            _alarm_metric(t, "WebhookClientErrorRateAlarm", i)["MetricStat"]["Metric"]["Dimensions"].pop()
            for i in ("errors", "requests")
        ],
        "no alarm on the 4xx rate",
    ),
    "5xx alarm on a count, not a rate": (
        tc.check_webhook_alarms,
        lambda t: _alarm_metric(t, "WebhookServerErrorRateAlarm", "rate").update(Expression="FILL(errors, 0)"),
        "no alarm on the 5xx rate",
    ),
    "4xx alarm tells nobody": (
        tc.check_webhook_alarms,
        lambda t: props(t, "WebhookClientErrorRateAlarm").pop("AlarmActions"),
        "no alarm on the 4xx rate",
    ),
    "sweeper every hour": (
        tc.check_sweeper,
        lambda t: props(t, "SweeperFunction")["Events"]["EveryTenMinutes"]["Properties"].update(Schedule="rate(1 hour)"),
        "not one enabled rate(10 minutes)",
    ),
    "sweeper schedule disabled": (
        tc.check_sweeper,
        lambda t: props(t, "SweeperFunction")["Events"]["EveryTenMinutes"]["Properties"].update(Enabled=False),
        "not one enabled rate(10 minutes)",
    ),
    "sweeper retried into the next run": (
        tc.check_sweeper,
        lambda t: props(t, "SweeperFunction").pop("EventInvokeConfig"),
        "a failed sweep is retried",
    ),
    "sweeper runs overlap": (
        tc.check_sweeper,
        lambda t: props(t, "SweeperFunction").update(Timeout=900),
        "lets two runs overlap",
    ),
    "sweeper failures unnoticed": (
        tc.check_sweeper,
        lambda t: t["Resources"].pop("SweeperErrorsAlarm"),
        "no alarm on the sweeper's Errors",
    ),
}


@pytest.mark.parametrize("case", list(WEBHOOK_BREAKAGES))
def test_webhook_and_sweeper_breakage_is_caught(template: dict, case: str) -> None:
    check, mutate, fragment = WEBHOOK_BREAKAGES[case]
    assert_reports(check(broken(template, mutate)), fragment)


# --------------------------------------------------------------------------------------
# (12) First-deploy traps.
# --------------------------------------------------------------------------------------

TRAP_BREAKAGES: dict[str, tuple[Callable[[dict], list[str]], Mutation, str]] = {
    "OAC name without the region": (
        tc.check_global_names,
        lambda t: props(t, "ConsoleOriginAccessControl")["OriginAccessControlConfig"].update(
            Name={"Fn::Sub": "${AWS::StackName}-console"}
        ),
        "ConsoleOriginAccessControl's name '${AWS::StackName}-console' is global",
    ),
    "headers policy with a fixed name": (
        tc.check_global_names,
        lambda t: props(t, "ConsoleHeadersPolicy")["ResponseHeadersPolicyConfig"].update(Name="satark-headers"),
        "ConsoleHeadersPolicy's name 'satark-headers' is global",
    ),
    "partial secret ARNs accepted": (
        tc.check_parameters,
        lambda t: t["Parameters"]["WhatsAppSecretArn"].update(
            AllowedPattern="^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$"
        ),
        "parameter WhatsAppSecretArn accepts 'arn:aws:secretsmanager:ap-south-1:123456789012:secret:satark/whatsapp'",
    ),
    "reserved words in the Cognito prefix": (
        tc.check_parameters,
        lambda t: t["Parameters"]["CognitoDomainPrefix"].update(AllowedPattern="^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"),
        "parameter CognitoDomainPrefix accepts 'my-aws-range'",
    ),
    "an action name with a typo": (
        tc.check_action_names,
        lambda t: sid(key_statements(t, "DataKey"), "AccountRootAdministersButCannotUse")["Action"].append(
            "kms:SheduleKeyDeletion"
        ),
        "DataKey policy: kms:SheduleKeyDeletion is not an action of kms",
    ),
}


@pytest.mark.parametrize("case", list(TRAP_BREAKAGES))
def test_first_deploy_trap_is_caught(template: dict, case: str) -> None:
    check, mutate, fragment = TRAP_BREAKAGES[case]
    assert_reports(check(broken(template, mutate)), fragment)


# --------------------------------------------------------------------------------------
# (10) Tables.
# --------------------------------------------------------------------------------------

TABLE_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "projection ALL": (
        lambda t: props(t, "ReportsTable")["GlobalSecondaryIndexes"][0].update(Projection={"ProjectionType": "ALL"}),
        "ReportsTable indexes are",
    ),
    "informant projected": (
        lambda t: props(t, "ReportsTable")["GlobalSecondaryIndexes"][0]["Projection"]["NonKeyAttributes"].append(
            "informant"
        ),
        "projects the informant's pseudonym",
    ),
    "index renamed": (
        lambda t: props(t, "ReportsTable")["GlobalSecondaryIndexes"][0].update(IndexName="latest"),
        "does not match the crate doc",
    ),
    "sort key as a string": (
        lambda t: props(t, "ReportsTable")["AttributeDefinitions"][2].update(AttributeType="S"),
        "ReportsTable indexes are",
    ),
    "no TTL on dedupe": (lambda t: props(t, "DedupeTable").pop("TimeToLiveSpecification"), "DedupeTable TTL is None"),
    "TTL on the wrong attribute": (
        lambda t: props(t, "DedupeTable")["TimeToLiveSpecification"].update(AttributeName="claimed_at"),
        "DedupeTable TTL is claimed_at",
    ),
    "conversations keyed differently": (
        lambda t: props(t, "ConversationsTable").update(
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        ),
        "ConversationsTable key is ('id', 'S')",
    ),
    "provisioned": (lambda t: props(t, "AggregatesTable").update(BillingMode="PROVISIONED"), "AggregatesTable is not on-demand"),
    "no PITR": (
        lambda t: props(t, "ReportsTable")["PointInTimeRecoverySpecification"].update(PointInTimeRecoveryEnabled=False),
        "ReportsTable has no point-in-time recovery",
    ),
    "AWS-owned key": (lambda t: props(t, "ConversationsTable").pop("SSESpecification"), "customer-managed KMS key"),
    "deleted with the stack": (lambda t: res(t, "ReportsTable").pop("DeletionPolicy"), "ReportsTable is not retained"),
    "aggregates without sort key": (
        lambda t: props(t, "AggregatesTable").update(
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        ),
        "AggregatesTable is not {'hash': ('pk', 'S'), 'range': ('sk', 'S')}",
    ),
    "triage table without the TTL its fingerprints expire by": (
        lambda t: props(t, "TriageTable").pop("TimeToLiveSpecification"),
        "TriageTable is not {'hash': ('pk', 'S'), 'range': ('sk', 'S')}",
    ),
    "triage table with a TTL on another attribute": (
        lambda t: props(t, "TriageTable").update(TimeToLiveSpecification={"AttributeName": "ttl", "Enabled": True}),
        "TriageTable is not {'hash': ('pk', 'S'), 'range': ('sk', 'S')}",
    ),
    "triage table deleted with the stack": (
        lambda t: res(t, "TriageTable").update(DeletionPolicy="Delete"),
        "TriageTable is not retained",
    ),
}


@pytest.mark.parametrize("case", list(TABLE_BREAKAGES))
def test_table_breakage_is_caught(
    template: dict, tables_rs: str, lib_rs: str, aggregates_rs: str, case: str
) -> None:
    mutate, fragment = TABLE_BREAKAGES[case]
    assert_reports(tc.check_tables(broken(template, mutate), tables_rs, lib_rs, aggregates_rs), fragment)


def test_a_change_in_the_rust_tables_is_caught(
    template: dict, tables_rs: str, lib_rs: str, aggregates_rs: str
) -> None:
    """The template must follow the crate: change the crate, and the template is wrong."""
    changed = tables_rs.replace("&[attr::BODY, attr::TRIAGE_STATUS]", "&[attr::BODY]")
    assert changed != tables_rs
    assert_reports(tc.check_tables(template, changed, lib_rs, aggregates_rs), "ReportsTable indexes are")
    changed = tables_rs.replace('pub const RECENT_INDEX: &str = "recent";', 'pub const RECENT_INDEX: &str = "newest";')
    assert changed != tables_rs
    assert_reports(tc.check_tables(template, changed, lib_rs, aggregates_rs), "ReportsTable indexes are")
    changed = tables_rs.replace("ttl_attribute: Some(attr::EXPIRES_AT)", "ttl_attribute: None")
    assert changed != tables_rs
    assert_reports(tc.check_tables(template, changed, lib_rs, aggregates_rs), "DedupeTable TTL is expires_at, tables.rs says None")
    changed = tables_rs.replace('pub const PK: &str = "pk";', 'pub const PK: &str = "id";')
    assert changed != tables_rs
    assert_reports(tc.check_tables(template, changed, lib_rs, aggregates_rs), "ConversationsTable key is ('pk', 'S')")
    changed = aggregates_rs.replace('pub const SK: &str = "sk";', 'pub const SK: &str = "cell";')
    assert changed != aggregates_rs
    assert_reports(tc.check_tables(template, tables_rs, lib_rs, changed), "AggregatesTable is not")


def test_unreadable_rust_sources_fail_loudly(template: dict, tables_rs: str, lib_rs: str, aggregates_rs: str) -> None:
    assert_reports(tc.check_tables(template, "// nothing here", lib_rs, aggregates_rs), "tables.rs")
    assert_reports(tc.check_tables(template, tables_rs, "//! nothing", aggregates_rs), "lib.rs")
    assert_reports(tc.check_tables(template, tables_rs, lib_rs, "// nothing"), "aggregates.rs")

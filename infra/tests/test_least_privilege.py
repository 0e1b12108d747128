"""Least privilege, exactly: every function's role grants what infra/aws-actions.toml
lists for it, no more and no less, and the inventory agrees with the code.

The inventory is the single source of truth: change what a function calls, change its
entry there (the file says how), and these tests say what template.yaml must change.
Each property is tested on the real files (nothing may be reported) and on copies broken
on purpose, one action for one role at a time, in the template and in the inventory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import template_checks as tc
from mutations import Mutation, assert_reports, broken, getatt, key_statements, policy, props, sid


@pytest.fixture(scope="module")
def template() -> dict:
    return tc.load_template()


@pytest.fixture(scope="module")
def inventory() -> dict:
    return tc.load_inventory()


# --------------------------------------------------------------------------------------
# The real files agree.
# --------------------------------------------------------------------------------------


def test_every_role_grants_exactly_its_inventory(template: dict, inventory: dict) -> None:
    assert tc.check_inventory(template, inventory) == []


def test_every_environment_is_exactly_its_inventory(template: dict, inventory: dict) -> None:
    assert tc.check_function_environments(template, inventory) == []


def test_the_inventory_and_the_code_agree(inventory: dict) -> None:
    assert tc.check_code_calls(inventory) == []


def test_the_inventory_covers_every_function_and_only_them(template: dict, inventory: dict) -> None:
    functions = {spec["function"] for spec in inventory["functions"].values()}
    assert functions == set(tc.resources(template, "AWS::Serverless::Function")) == set(tc.ROLES)
    assert {spec["role"] for spec in inventory["functions"].values()} == set(tc.ROLES.values())
    for name, spec in inventory["functions"].items():
        for grant in spec["grants"]:
            assert grant.get("why"), f"{name}: every grant says which code needs it"
            assert grant["actions"] and grant["resources"]


def test_the_comparison_sees_every_grant(template: dict) -> None:
    """The template side is read the way the inventory writes it (so an exact match is
    not a match of two empty sets)."""
    grants = tc.granted_by_template(template, "WebhookRole")
    assert ("dynamodb:UpdateItem", "ConversationsTable", "") in grants
    assert ("s3:DeleteObject", "EvidenceBucket/evidence/*", "") in grants
    assert ("secretsmanager:GetSecretValue", "WhatsAppSecretArn", "") in grants
    assert any(a == "s3:ListBucket" and c for a, _r, c in grants)
    assert ("kms:Decrypt", "ContactKey") in tc.key_policy_uses(template)["NotifierRole"]
    assert ("kms:GenerateDataKey", "EvidenceKey") in tc.key_policy_uses(template)["MediaRole"]
    assert "DashboardRole" not in tc.key_policy_uses(template)


# --------------------------------------------------------------------------------------
# One action more or less, for each role: caught.
# --------------------------------------------------------------------------------------

POLICIES = {spec["role"]: f"{spec['role'][:-4]}Policy" for spec in tc.load_inventory()["functions"].values()}


@pytest.mark.parametrize("role", sorted(POLICIES))
def test_one_more_action_for_a_role_is_caught(template: dict, inventory: dict, role: str) -> None:
    # The first statement's resources, one action more: dynamodb:Scan (no code scans).
    def mutate(t: dict) -> None:
        stmt = policy(t, POLICIES[role])[0]
        stmt["Action"] = tc.as_list(stmt["Action"]) + ["dynamodb:Scan"]

    resource = tc.resource_name(tc.as_list(policy(template, POLICIES[role])[0]["Resource"])[0], template)
    assert_reports(
        tc.check_inventory(broken(template, mutate), inventory),
        f"{role} is granted dynamodb:Scan on {resource}, which infra/aws-actions.toml does not list",
    )


@pytest.mark.parametrize("role", sorted(POLICIES))
def test_one_action_less_for_a_role_is_caught(template: dict, inventory: dict, role: str) -> None:
    def mutate(t: dict) -> None:
        stmt = policy(t, POLICIES[role])[-1]
        stmt["Action"] = tc.as_list(stmt["Action"])[1:] or ["logs:CreateLogStream"]

    removed = tc.as_list(policy(template, POLICIES[role])[-1]["Action"])[0]
    assert_reports(tc.check_inventory(broken(template, mutate), inventory), f"{role} lacks {removed} on ")


@pytest.mark.parametrize("name", sorted(tc.load_inventory()["functions"]))
def test_an_inventory_without_one_action_is_caught(template: dict, inventory: dict, name: str) -> None:
    """The other direction: the inventory shrinks (the code stopped calling something),
    the template still grants it."""
    def mutate(inv: dict) -> None:
        grant = inv["functions"][name]["grants"][0]
        grant["actions"] = grant["actions"][1:] or ["dynamodb:Scan"]

    role = inventory["functions"][name]["role"]
    action = inventory["functions"][name]["grants"][0]["actions"][0]
    assert_reports(tc.check_inventory(template, broken(inventory, mutate)), f"{role} is granted {action} on ")


LEAST_PRIVILEGE_BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "the webhook may delete conversations": (
        lambda t: sid(policy(t, "WebhookPolicy"), "AdvanceConversations").update(
            Action=["dynamodb:UpdateItem", "dynamodb:DeleteItem"]
        ),
        "WebhookRole is granted dynamodb:DeleteItem on ConversationsTable",
    ),
    "the classifier reads conversations": (
        lambda t: sid(policy(t, "ClassifierPolicy"), "ReadReports").update(
            Resource=[getatt("ReportsTable"), getatt("ConversationsTable")]
        ),
        "ClassifierRole is granted dynamodb:GetItem on ConversationsTable",
    ),
    "the dashboard queries the whole reports table (informant column included)": (
        lambda t: sid(policy(t, "DashboardPolicy"), "ListRecentReports").update(Resource=getatt("ReportsTable")),
        "DashboardRole is granted dynamodb:Query on ReportsTable,",
    ),
    "the dashboard loses its audit log reads": (
        lambda t: sid(policy(t, "DashboardPolicy"), "AuditLog").update(Action="dynamodb:PutItem"),
        "DashboardRole lacks dynamodb:Query on AuditTable",
    ),
    "the media role reads evidence back": (
        lambda t: sid(policy(t, "MediaPolicy"), "StoreEvidence").update(Action=["s3:PutObject", "s3:GetObject"]),
        "MediaRole is granted s3:GetObject on EvidenceBucket/evidence/*",
    ),
    "the sweeper may list the whole bucket": (
        lambda t: sid(policy(t, "SweeperPolicy"), "ListPurgedEvidence").pop("Condition"),
        "SweeperRole is granted s3:ListBucket on EvidenceBucket, which",
    ),
    "the sweeper finds nothing to expire": (
        lambda t: policy(t, "SweeperPolicy").remove(sid(policy(t, "SweeperPolicy"), "FindWhatExpired")),
        "SweeperRole lacks dynamodb:Query on ConversationsTable/index/sweep",
    ),
    "the notifier writes every log group": (
        lambda t: sid(policy(t, "NotifierPolicy"), "OwnLogs").update(
            Resource={"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"}
        ),
        "NotifierRole is granted logs:PutLogEvents on arn:${AWS::Partition}:logs:",
    ),
    "the media key statement also decrypts": (
        lambda t: sid(key_statements(t, "EvidenceKey"), "MediaStoresEvidenceThroughS3").update(
            Action=["kms:GenerateDataKey", "kms:Decrypt"]
        ),
        "EvidenceKey's key policy lets MediaRole kms:Decrypt, which infra/aws-actions.toml does not list",
    ),
    "the notifier's key statement is gone": (
        lambda t: key_statements(t, "ContactKey").remove(
            sid(key_statements(t, "ContactKey"), "NotifierOpensReplyAddresses")
        ),
        "ContactKey's key policy does not let NotifierRole kms:Decrypt",
    ),
    "a role without a function gets permissions": (
        lambda t: t["Resources"].update(
            SpareRole={"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyName": "x", "PolicyDocument": {
                "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": getatt("OutboundQueue")}]
            }}]}}
        ),
        "SpareRole has permissions but is no function's role",
    ),
    "a separate managed policy on the webhook's role": (
        lambda t: t["Resources"].update(
            Extra={"Type": "AWS::IAM::ManagedPolicy", "Properties": {"Roles": [{"Ref": "WebhookRole"}],
                   "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem",
                                                     "Resource": getatt("AuditTable")}]}}}
        ),
        "WebhookRole is granted dynamodb:GetItem on AuditTable",
    ),
    "a function runs as another role": (
        lambda t: props(t, "SweeperFunction").update(Role=getatt("WebhookRole")),
        "SweeperFunction does not run as SweeperRole",
    ),
    "a function the inventory does not know": (
        lambda t: t["Resources"].update(
            SpareFunction={"Type": "AWS::Serverless::Function", "Properties": {"Role": getatt("WebhookRole")}}
        ),
        "SpareFunction has no entry in infra/aws-actions.toml",
    ),
}


@pytest.mark.parametrize("case", list(LEAST_PRIVILEGE_BREAKAGES))
def test_least_privilege_breakage_is_caught(template: dict, inventory: dict, case: str) -> None:
    mutate, fragment = LEAST_PRIVILEGE_BREAKAGES[case]
    assert_reports(tc.check_inventory(broken(template, mutate), inventory), fragment)


def test_a_mutated_template_file_is_caught(tmp_path: Path, inventory: dict) -> None:
    """End to end, on YAML text as a person would edit it: one action added to one role's
    statement, and one removed from another's."""
    text = tc.TEMPLATE.read_text(encoding="utf-8")
    added = text.replace(
        "          - Sid: AdvanceConversations\n            Effect: Allow\n            Action: dynamodb:UpdateItem\n",
        "          - Sid: AdvanceConversations\n            Effect: Allow\n            Action:\n"
        "              - dynamodb:UpdateItem\n              - dynamodb:DeleteItem\n",
    )
    removed = text.replace(
        "            Action:\n              - dynamodb:Query\n              - dynamodb:DeleteItem\n"
        "            Resource: !GetAtt TriageTable.Arn\n",
        "            Action:\n              - dynamodb:Query\n            Resource: !GetAtt TriageTable.Arn\n",
    )
    assert added != text and removed != text
    for body, fragment in (
        (added, "WebhookRole is granted dynamodb:DeleteItem on ConversationsTable"),
        (removed, "SweeperRole lacks dynamodb:DeleteItem on TriageTable"),
    ):
        path = tmp_path / "template.yaml"
        path.write_text(body, encoding="utf-8")
        assert_reports(tc.check_inventory(tc.load_template(path), inventory), fragment)


def test_an_inventory_entry_the_template_lacks_is_caught(template: dict, inventory: dict) -> None:
    def mutate(inv: dict) -> None:
        inv["functions"]["dashboard"]["grants"].append(
            {"why": "feedback", "actions": ["sqs:SendMessage"], "resources": ["OutboundQueue"]}
        )
        inv["functions"]["dashboard"]["environment"].append("SATARK_OUTBOUND_QUEUE_URL")

    changed = broken(inventory, mutate)
    assert_reports(tc.check_inventory(template, changed), "DashboardRole lacks sqs:SendMessage on OutboundQueue")
    assert_reports(tc.check_function_environments(template, changed), "DashboardFunction lacks ['SATARK_OUTBOUND_QUEUE_URL']")


def test_an_environment_variable_the_inventory_does_not_list_is_caught(template: dict, inventory: dict) -> None:
    t = broken(template, lambda t: props(t, "SweeperFunction")["Environment"]["Variables"].update(
        SATARK_CONTACT_KEY_ID=getatt("ContactKey")))
    assert_reports(tc.check_function_environments(t, inventory),
                   "SweeperFunction gets variables it does not need: ['SATARK_CONTACT_KEY_ID']")


# --------------------------------------------------------------------------------------
# The code side: a new AWS call, or a grant nothing calls.
# --------------------------------------------------------------------------------------


def test_an_unknown_aws_call_is_caught(inventory: dict) -> None:
    sources = tc.code_sources()
    sources["shared/aws/src/new.rs"] = "let out = self.client.scan().table_name(&t).send().await;"
    assert_reports(tc.check_code_calls(inventory, sources), "shared/aws/src/new.rs call(s) the AWS operation scan")


def test_a_call_no_function_is_granted_is_caught(inventory: dict) -> None:
    """The classifier alone reads evidence (its media records): without that grant, and
    with nothing under [unreached], S3Vault's GetObject is a call nobody may make."""
    def mutate(inv: dict) -> None:
        inv.pop("unreached")
        grants = inv["functions"]["classifier"]["grants"]
        grants[:] = [g for g in grants if "s3:GetObject" not in g["actions"]]

    assert_reports(
        tc.check_code_calls(broken(inventory, mutate)),
        "call(s) get_object (s3:GetObject), which infra/aws-actions.toml grants to no function",
    )


def test_a_looser_condition_is_caught(template: dict, inventory: dict) -> None:
    """A condition is part of a grant: the sweeper's escalation widened from the ALERT
    partition to every partition of the triage table (fingerprints and pseudonyms) is
    one grant more and one less."""
    def mutate(t: dict) -> None:
        sid(policy(t, "SweeperPolicy"), "EscalateUnacknowledgedAlerts")["Condition"] = {
            "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["*"]}
        }

    problems = tc.check_inventory(broken(template, mutate), inventory)
    assert_reports(problems, "SweeperRole is granted dynamodb:Query on TriageTable if",
                   "SweeperRole lacks dynamodb:Query on TriageTable if")


def test_a_grant_no_code_calls_is_caught(inventory: dict) -> None:
    sources = {path: text.replace(".generate_mac()", ".generate_random()") for path, text in tc.code_sources().items()}
    problems = tc.check_code_calls(inventory, sources)
    assert_reports(problems, "infra/aws-actions.toml grants kms:GenerateMac, but no code calls it")
    assert_reports(problems, "the AWS operation generate_random")


def test_a_stale_unreached_entry_is_caught(inventory: dict) -> None:
    def mutate(inv: dict) -> None:
        inv["unreached"]["s3:GetObjectTagging"] = "nothing"
        inv["unreached"]["kms:Encrypt"] = "granted to the webhook"

    problems = tc.check_code_calls(broken(inventory, mutate))
    assert_reports(problems, "lists s3:GetObjectTagging under [unreached], but no code calls it")
    assert_reports(problems, "lists kms:Encrypt under [unreached], but a function is granted it")


def test_unit_tests_in_sources_are_not_calls() -> None:
    calls = tc.sdk_calls({"x.rs": "fn a() {}\n#[cfg(test)]\nmod tests { fn t() { client.scan(); } }"})
    assert "scan" not in calls


def test_fatal_jobs_go_to_the_consumed_queues_own_dead_letter_queue(template: dict, inventory: dict) -> None:
    t = broken(template, lambda t: props(t, "NotifierFunction")["Environment"]["Variables"].update(
        SATARK_DEAD_LETTER_QUEUE_URL={"Ref": "MediaDeadLetterQueue"}))
    assert_reports(tc.check_function_environments(t, inventory),
                   "NotifierFunction's SATARK_DEAD_LETTER_QUEUE_URL does not name OutboundDeadLetterQueue")

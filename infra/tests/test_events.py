"""The sample events in events/ stay what they claim to be: a correctly signed webhook,
a verification handshake, queue jobs with exactly the fields of the Rust job types
(the optional ones, which serde leaves out when unset, included or not), and a
dashboard request on a route of the template."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import tomllib

import pytest

import template_checks as tc

EVENTS = tc.REPO / "events"
REPORT_RS = tc.REPO / "shared" / "core" / "src" / "report.rs"
LANG_RS = tc.REPO / "shared" / "core" / "src" / "lang.rs"
RECORDS_RS = tc.REPO / "shared" / "core" / "src" / "records.rs"
TEMPLATES_TOML = tc.REPO / "infra" / "whatsapp-templates.toml"
GOLDEN = tc.REPO / "shared" / "core" / "tests" / "golden"
APP_SECRET = b"satark-events-app-secret"
VERIFY_TOKEN = "satark-events-verify-token"
CROCKFORD = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
PSEUDONYM = re.compile(r"^p1:[0-9a-f]{64}$")
MESSAGE_KEY = re.compile(r"^m1:[0-9a-f]{64}$")
HEX = re.compile(r"^(?:[0-9a-f]{2})+$")


def event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def struct_fields(source: str, name: str) -> set[str]:
    """Every field of the Rust struct `name`."""
    required, optional = struct_field_kinds(source, name)
    return required | optional


def struct_field_kinds(source: str, name: str) -> tuple[set[str], set[str]]:
    """The fields of the Rust struct `name`: (always serialized, left out when unset).
    A field is optional when its attributes carry `skip_serializing_if` (serde omits it
    from the JSON then, and `default` reads it back)."""
    match = re.search(rf"pub struct {name} \{{(.*?)\n\}}", source, re.S)
    assert match, f"struct {name} not found"
    required: set[str] = set()
    optional: set[str] = set()
    attributes = ""
    for line in match.group(1).splitlines():
        code = line.split("//", 1)[0].strip()
        field = re.match(r"pub (\w+):", code)
        if field:
            (optional if "skip_serializing_if" in attributes else required).add(field.group(1))
            attributes = ""
        else:
            attributes += code
    return required, optional


def test_optional_fields_are_told_from_required_ones() -> None:
    source = """pub struct Job {
    /// Said in a doc comment: skip_serializing_if.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
    #[serde(default)]
    pub lang: Lang,
}"""
    assert struct_field_kinds(source, "Job") == ({"id", "lang"}, {"when", "tags"})


def current_schema(name: str) -> int:
    """The schema number shared/core/src/records.rs writes a record type in."""
    match = re.search(rf"crate::[\w:]*::{name} => (\d+),", RECORDS_RS.read_text(encoding="utf-8"))
    assert match, f"records.rs does not version {name}"
    return int(match.group(1))


def assert_job_fields(job: dict, source: str, name: str) -> None:
    """A queued job's JSON has every field serde always writes for `name`, optional ones
    only if they are fields of `name`, and a schema number (absent in jobs written
    before records were versioned) that is the one this code writes."""
    fields = set(job) - {"schema"}
    required, optional = struct_field_kinds(source, name)
    assert required <= fields, f"{name} job lacks {sorted(required - fields)}"
    assert fields <= required | optional, f"{name} job has fields {sorted(fields - required - optional)} it does not have"
    if "schema" in job:
        assert job["schema"] == current_schema(name), f"{name} job of schema {job['schema']}"


def enum_variants(source: str, name: str) -> set[str]:
    match = re.search(rf"pub enum {name} \{{(.*?)\n\}}", source, re.S)
    assert match, f"enum {name} not found"
    return {v.lower() for v in re.findall(r"^\s*(\w+),", match.group(1), re.M)}


@pytest.fixture(scope="module")
def ports() -> str:
    return tc.PORTS_RS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def routes() -> set[str]:
    template = tc.load_template()
    found = set()
    for function in tc.resources(template, "AWS::Serverless::Function"):
        for ev in tc.events_of(template, function, "HttpApi").values():
            p = ev["Properties"]
            found.add(f"{p['Method'].upper()} {p['Path']}")
    return found


def test_every_function_has_an_event() -> None:
    names = {p.name for p in EVENTS.glob("*.json")}
    assert names >= {
        "webhook-post.json",
        "webhook-verify.json",
        "media-sqs.json",
        "classifier-sqs.json",
        "notifier-sqs.json",
        "notifier-sqs-feedback.json",
        "dashboard-get-me.json",
        "sweeper-scheduled.json",
    }
    readme = (EVENTS / "README.md").read_text(encoding="utf-8")
    for name in names:
        assert name in readme, f"events/README.md does not describe {name}"


def test_webhook_post_is_signed_over_the_exact_body(routes: set[str]) -> None:
    ev = event("webhook-post.json")
    assert ev["version"] == "2.0" and ev["routeKey"] in routes and ev["isBase64Encoded"] is False
    body = ev["body"]
    expected = "sha256=" + hmac.new(APP_SECRET, body.encode("utf-8"), hashlib.sha256).hexdigest()
    assert ev["headers"]["x-hub-signature-256"] == expected
    assert ev["headers"]["content-length"] == str(len(body.encode("utf-8")))
    payload = json.loads(body)
    value = payload["entry"][0]["changes"][0]["value"]
    assert payload["object"] == "whatsapp_business_account"
    message = value["messages"][0]
    assert message["type"] == "text" and message["text"]["body"]
    assert message["from"] == value["contacts"][0]["wa_id"]
    # A signature over anything else does not verify.
    tampered = body.replace("Hi JNP-12", "Hi JNP-13")
    assert "sha256=" + hmac.new(APP_SECRET, tampered.encode(), hashlib.sha256).hexdigest() != expected


def test_webhook_verify_is_the_handshake(routes: set[str]) -> None:
    ev = event("webhook-verify.json")
    assert ev["routeKey"] == "GET /webhook" and ev["routeKey"] in routes
    q = ev["queryStringParameters"]
    assert q == {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": q["hub.challenge"]}
    assert q["hub.challenge"].isdigit()
    assert ev["rawQueryString"] == "&".join(f"{k}={v}" for k, v in q.items())
    assert "body" not in ev


def sqs_records(name: str, queue_suffix: str) -> list[dict]:
    records = event(name)["Records"]
    assert records
    for r in records:
        assert r["eventSource"] == "aws:sqs"
        assert r["eventSourceARN"].split(":")[-1].endswith(queue_suffix)
        assert r["md5OfBody"] == hashlib.md5(r["body"].encode("utf-8")).hexdigest()
    return records


def test_media_job_has_the_fields_of_media_job(ports: str) -> None:
    kinds = enum_variants(REPORT_RS.read_text(encoding="utf-8"), "MediaKind")
    langs = enum_variants(LANG_RS.read_text(encoding="utf-8"), "Lang")
    for r in sqs_records("media-sqs.json", "-media"):
        job = json.loads(r["body"])
        assert_job_fields(job, ports, "MediaJob")
        assert CROCKFORD.match(job["report_id"])
        assert MESSAGE_KEY.match(job["media_key"])
        assert PSEUDONYM.match(job["conversation"])
        assert HEX.match(job["reply_address"])
        assert job["kind"] in kinds and job["lang"] in langs


def test_classifier_job_has_the_fields_of_report_job(ports: str) -> None:
    for r in sqs_records("classifier-sqs.json", "-reports"):
        job = json.loads(r["body"])
        assert_job_fields(job, ports, "ReportJob")
        assert CROCKFORD.match(job["report_id"])


def outbound_records(name: str, ports: str) -> list[tuple[dict, dict]]:
    """The records of an outbound (FIFO) batch and their jobs, checked as every
    OutboundJob must be."""
    records = sqs_records(name, ".fifo")
    out = []
    for r in records:
        job = json.loads(r["body"])
        assert_job_fields(job, ports, "OutboundJob")
        assert PSEUDONYM.match(job["conversation"]) and HEX.match(job["reply_address"])
        assert job["reply"]["type"] in {"text", "buttons", "list"} and job["reply"]["body"]
        # As SqsOutboundQueue sends them (shared/aws/src/queue.rs).
        assert r["attributes"]["MessageGroupId"] == job["conversation"]
        assert r["attributes"]["MessageDeduplicationId"] == hashlib.sha256(job["job_id"].encode()).hexdigest()
        # The informant's number is nowhere in a queued job.
        assert "919000000001" not in r["body"]
        out.append((r, job))
    numbers = [int(r["attributes"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers)
    return out


def test_outbound_jobs_have_the_fields_of_outbound_job(ports: str) -> None:
    """In-chat replies: no window start, no template, no thread."""
    for _r, job in outbound_records("notifier-sqs.json", ports):
        assert set(job) - {"schema"} == struct_field_kinds(ports, "OutboundJob")[0]


def test_a_feedback_job_has_every_field_of_outbound_job(ports: str) -> None:
    """An officer's feedback, as casework queues it: the informant's last message (the
    24-hour window's start), the registered template to send once the window has
    closed, and the thread entry whose delivery officers see. Shaped like the golden
    sample of its schema, with parameters the template takes."""
    ((_r, job),) = outbound_records("notifier-sqs-feedback.json", ports)
    assert set(job) - {"schema"} == struct_fields(ports, "OutboundJob")
    assert job["schema"] == current_schema("OutboundJob")
    golden = json.loads((GOLDEN / f"schema-{job['schema']}" / "outbound-job-feedback.json").read_text(encoding="utf-8"))
    assert set(job) == set(golden)
    for part in ("reply", "template", "thread"):
        assert set(job[part]) == set(golden[part]), part
    assert isinstance(job["last_inbound_at"], int) and job["last_inbound_at"] > 0
    assert set(job["template"]) == struct_fields(ports, "TemplateMessage")
    assert set(job["thread"]) == struct_fields(ports, "ThreadRef")
    templates = {t["name"]: t for t in tomllib.loads(TEMPLATES_TOML.read_text(encoding="utf-8"))["template"]}
    template = templates[job["template"]["name"]]
    assert len(job["template"]["params"]) == len(template["params"])
    assert job["template"]["lang"] in template["body"]
    assert job["template"]["lang"] in enum_variants(LANG_RS.read_text(encoding="utf-8"), "Lang")
    # The thread entry is the job (shared/core/src/service/casework.rs).
    assert job["thread"]["entry_id"] == job["job_id"] and job["job_id"].startswith("feedback:")
    assert CROCKFORD.match(job["thread"]["report_id"])


def test_dashboard_event_carries_verified_claims(routes: set[str]) -> None:
    ev = event("dashboard-get-me.json")
    assert ev["routeKey"] in routes and ev["rawPath"] == "/api/me"
    assert ev["pathParameters"] == {"proxy": "me"}
    claims = ev["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["cognito:groups"] == "[district]"
    assert claims["custom:district"] == "JNP"
    assert claims["sub"] and claims["email"] and claims["token_use"] == "id"
    assert ev["headers"]["authorization"].startswith("Bearer ")


def test_sweeper_event_is_what_its_schedule_sends() -> None:
    """An EventBridge rule's scheduled event, for the rule the template declares."""
    template = tc.load_template()
    schedules = tc.events_of(template, "SweeperFunction", "Schedule")
    assert [e["Properties"]["Schedule"] for e in schedules.values()] == ["rate(10 minutes)"]
    ev = event("sweeper-scheduled.json")
    assert ev["detail-type"] == "Scheduled Event" and ev["source"] == "aws.events" and ev["detail"] == {}
    assert ev["version"] == "0" and ev["region"] == "ap-south-1"
    (rule,) = ev["resources"]
    assert rule.startswith(f"arn:aws:events:{ev['region']}:{ev['account']}:rule/")
    assert f"SweeperFunction{next(iter(schedules))}" in rule


@pytest.mark.parametrize("path", sorted(p.name for p in EVENTS.glob("*.json")))
def test_no_event_leaks_a_number_into_officer_or_queue_data(path: str) -> None:
    """Only the webhook's raw body may hold the informant's number (as Meta sends it)."""
    text = (EVENTS / path).read_text(encoding="utf-8")
    if path != "webhook-post.json":
        assert "919000000001" not in text
        assert "Test Informant" not in text

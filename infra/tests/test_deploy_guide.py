"""The README's "Deploying on AWS" stays in step with the template and the SAM settings:
every parameter is explained, every `aws` command names its region, every output it
uses exists, and what it says about versions and retained resources is true of the
repository."""

from __future__ import annotations

import re
import tomllib

import pytest

import template_checks as tc

README = tc.REPO / "README.md"
SAMCONFIG = tc.REPO / "samconfig.toml"
CARGO_TOML = tc.REPO / "Cargo.toml"


def deploy_section(text: str) -> str:
    start = text.index("## Deploying on AWS")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


@pytest.fixture(scope="module")
def guide() -> str:
    return deploy_section(README.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def template() -> dict:
    return tc.load_template()


def shell_commands(section: str) -> list[str]:
    """Every command in the section's sh blocks and inline code spans, continuation
    lines joined, comments dropped."""
    commands: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands.append(line)
    for span in re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", section, flags=re.S)):
        if span.startswith(("aws ", "sam ")):
            commands.append(span)
    return commands


def aws_invocations(command: str) -> list[str]:
    """The `aws ...` invocations in a command line (also inside $(...) and loops)."""
    return [m.strip() for m in re.findall(r"(?:^|[;&|(]\s*|\bdo\s+|\$\()\s*(aws\s[^;&|)]*)", command)]


def test_the_section_has_commands(guide: str) -> None:
    commands = shell_commands(guide)
    assert len([c for c in commands for _ in aws_invocations(c)]) >= 20, commands


# Commands that do not depend on a region.
REGIONLESS = ("aws --version", "aws sts get-caller-identity")


def test_every_aws_command_names_its_region(guide: str) -> None:
    missing = [
        a for c in shell_commands(guide) for a in aws_invocations(c)
        if "--region" not in a and not a.startswith(REGIONLESS)
    ]
    assert missing == [], f"aws commands without --region: {missing}"


def test_every_parameter_is_explained(guide: str, template: dict) -> None:
    params = set(template["Parameters"])
    table = {m for m in re.findall(r"^\| `(\w+)` \|", guide, re.M)}
    assert params <= table, f"parameters missing from the guide's table: {sorted(params - table)}"
    assert table & set(params) == table & params
    required = {p for p, spec in template["Parameters"].items() if "Default" not in spec}
    deploy = next(c for c in shell_commands(guide) if c.startswith("sam deploy --disable-rollback"))
    for p in required:
        assert f"{p}=" in deploy, f"the first deploy command does not pass {p}"


def test_every_output_the_guide_uses_exists(guide: str, template: dict) -> None:
    outputs = set(template["Outputs"])
    used = set(re.findall(r"`(\w+)` output", guide)) | set(re.findall(r"OutputKey=='(\w+)'", guide))
    assert used, "the guide names no output"
    assert used <= outputs, f"outputs the template does not have: {sorted(used - outputs)}"
    for suffix in ("TableName", "BucketName"):
        assert any(o.endswith(suffix) for o in outputs), f"the teardown lists outputs ending in {suffix}"


def test_prerequisites_match_the_repository(guide: str) -> None:
    rust_version = re.search(r'^rust-version = "([^"]+)"', CARGO_TOML.read_text(encoding="utf-8"), re.M).group(1)
    assert f"Rust {rust_version} or later" in guide
    assert "AWS CLI v2" in guide
    requirements = (tc.REPO / "infra" / "requirements.txt").read_text(encoding="utf-8")
    sam_pin = re.search(r"^(aws-sam-cli[^\n]*)$", requirements, re.M).group(1)
    assert f"'{sam_pin}'" in guide, f"the guide installs another SAM CLI than {sam_pin}"
    lambda_build = (tc.REPO / "scripts" / "lambda-build").read_text(encoding="utf-8")
    for pin in re.findall(r"'((?:cargo-lambda|ziglang)[^']*)'", lambda_build):
        assert f"'{pin}'" in guide, f"the guide installs another {pin.split('>')[0]} than the scripts"
    assert "AdministratorAccess" in guide and "IAMFullAccess" in guide


def test_first_deploy_traps_are_avoided_as_documented(guide: str, template: dict) -> None:
    commands = shell_commands(guide)
    assert any(c.startswith("sam deploy --disable-rollback") for c in commands)
    assert any("describe-user-pool-domain" in c for c in commands), "no check that the Cognito prefix is free"
    assert any("create-secret" in c and "--query ARN" in c for c in commands), "the secret's full ARN is not printed"
    for word in ("aws", "amazon", "cognito"):
        assert f"`{word}`" in guide
    assert "L-B99A9384" in guide  # Lambda's concurrent executions quota


def test_officers_are_created_with_the_actual_commands(guide: str, template: dict) -> None:
    commands = " ".join(shell_commands(guide))
    assert commands.count("aws cognito-idp admin-create-user") >= 2
    assert commands.count("aws cognito-idp admin-add-user-to-group") >= 2
    assert "Name=custom:district,Value=" in commands and "Name=custom:station,Value=" in commands
    groups = {tc.props(template, g)["GroupName"] for g in tc.resources(template, "AWS::Cognito::UserPoolGroup")}
    used = set(re.findall(r"--group-name (\w+)", commands))
    assert used <= groups and len(used) >= 2
    for group in groups:
        assert f"| `{group}` |" in guide, f"the guide's group table lacks {group}"


def test_teardown_names_everything_sam_delete_keeps(guide: str, template: dict) -> None:
    teardown = guide[guide.index("### Removing Satark"):]
    kept = {
        lid: res["Type"] for lid, res in tc.resources(template).items()
        if res.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate")
    }
    counts = {}
    for type_ in kept.values():
        counts[type_] = counts.get(type_, 0) + 1
    words = {"AWS::DynamoDB::Table": "DynamoDB tables", "AWS::KMS::Key": "KMS keys",
             "AWS::Cognito::UserPool": "user pool", "AWS::S3::Bucket": "bucket"}
    assert set(counts) <= set(words), f"the guide does not cover retained {sorted(set(counts) - set(words))}"
    numbers = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}
    for type_, n in counts.items():
        assert words[type_] in teardown
        if type_ in ("AWS::DynamoDB::Table", "AWS::KMS::Key"):
            assert f"the {numbers[n]} {words[type_]}" in teardown, f"the guide miscounts the retained {type_}"
    commands = " ".join(shell_commands(teardown))
    for needed in ("sam delete", "delete-table", "--no-deletion-protection-enabled", "schedule-key-deletion",
                   "delete-user-pool", "delete-bucket", "delete-secret"):
        assert needed in commands, f"the teardown has no {needed}"
    # The key aliases the teardown reads exist, with those names.
    aliases = {literal for lid in tc.resources(template, "AWS::KMS::Alias")
               for literal in [tc.literal_text(tc.props(template, lid)["AliasName"])]}
    for k in ("pseudonym", "contact", "evidence", "data"):
        assert f"alias/${{AWS::StackName}}/{k}" in aliases
    assert "for k in pseudonym contact evidence data" in commands


def test_samconfig_sets_the_region_for_every_command() -> None:
    config = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))
    default = config["default"]
    assert default["global"]["parameters"]["region"] == "ap-south-1"
    for command, section in default.items():
        region = section.get("parameters", {}).get("region")
        assert region in (None, "ap-south-1"), f"samconfig's {command} section uses another region"
    assert default["build"]["parameters"]["beta_features"] is True


def test_the_guides_region_is_samconfigs(guide: str) -> None:
    config = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))
    params = config["default"]["global"]["parameters"]
    assert f"REGION={params['region']}" in guide
    assert f"STACK={params['stack_name']}" in guide


def test_the_guides_command_checker_catches_a_missing_region() -> None:
    section = "## Deploying on AWS\n```sh\nPOOL=$(aws cloudformation describe-stacks --stack-name x)\n```\n"
    assert [a for c in shell_commands(section) for a in aws_invocations(c) if "--region" not in a]
    section = "## Deploying on AWS\nRun `aws secretsmanager create-secret --name x`.\n"
    assert [a for c in shell_commands(section) for a in aws_invocations(c) if "--region" not in a]

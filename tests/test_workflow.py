"""The GitHub workflow: valid under GitHub's own schema (check-jsonschema
carries it, so this runs offline), and doing what README.md says it does."""

import re
import subprocess
import sys

import pytest
import yaml
from support import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))


def test_there_is_a_workflow():
    assert WORKFLOWS


def test_the_workflows_validate_against_githubs_schema():
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def workflow():
    (path,) = WORKFLOWS
    # YAML 1.1 reads the key `on` as True.
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {("on" if key is True else key): value for key, value in loaded.items()}


def runs(job):
    return "\n".join(step.get("run", "") for step in job["steps"])


def uses(job, action):
    return [step for step in job["steps"] if step.get("uses", "").startswith(action + "@")]


def test_every_push_and_pull_request_is_built_and_tested(workflow):
    assert {"push", "pull_request"} <= set(workflow["on"])
    build = workflow["jobs"]["build"]
    assert "if" not in build
    assert re.search(r"^python build_docs\.py$", runs(build), re.M)
    assert re.search(r"^pytest( --basetemp \S+)?$", runs(build), re.M)  # the README's test command


def test_torch_is_the_cpu_build_and_never_a_bare_torch(workflow):
    for job in workflow["jobs"].values():
        installs = [line for line in runs(job).splitlines() if "pip install" in line]
        assert installs
        torch = [line for line in installs if "TORCH" in line or "torch" in line]
        assert torch and all('--index-url "$TORCH_INDEX"' in line for line in torch)
        assert installs.index(torch[0]) < min(index for index, line in enumerate(installs) if "requirements.txt" in line)
    assert workflow["env"]["TORCH"] == "torch==2.13.0"
    assert workflow["env"]["TORCH_INDEX"] == "https://download.pytorch.org/whl/cpu"
    assert "torch==2.13.0" in (ROOT / "requirements.txt").read_text(encoding="utf-8")


def test_browser_tests_get_chromium_and_cjk_fonts_and_leave_their_screenshots(workflow):
    build = workflow["jobs"]["build"]
    assert re.search(r"apt-get install .*\bchromium\b.*\bfonts-noto-cjk\b", runs(build))
    (upload,) = uses(build, "actions/upload-artifact")
    (test,) = [step for step in build["steps"] if str(step.get("run", "")).startswith("pytest")]
    assert upload["with"]["path"].rstrip("/") == test["env"]["LITERATE_ARTIFACTS"] and upload["if"] == "always()"
    assert test["env"]["LITERATE_ARTIFACTS"].startswith("${{ runner.temp }}/"), "never in the checkout"


def test_pip_and_the_build_cache_are_cached(workflow):
    for job in workflow["jobs"].values():
        paths = {step["with"]["path"] for step in uses(job, "actions/cache")}
        assert paths == {"~/.cache/pip", ".cache"}


def test_only_main_publishes_and_only_after_the_build_passed(workflow):
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "build"
    assert publish["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert publish["permissions"] == {"contents": "write"} and workflow["permissions"] == {"contents": "read"}
    assert re.search(r"^python build_docs\.py gh-deploy$", runs(publish), re.M)
    assert "user.email" in runs(publish)

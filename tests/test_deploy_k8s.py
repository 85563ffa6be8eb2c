"""The Kubernetes deployment files, checked without a cluster: the executor and run-launcher configuration against
the schemas of the installed dagster-k8s, the Helm values against the keys the Dagster chart knows, and the
image, secret, volume, variables and module named the same way in the Dockerfile, the Helm values, the k8s files
and deploy/README.md."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster._config import process_config, validate_config
from dagster._core.instance.config import dagster_instance_config
from dagster._serdes.config_class import class_from_code_pointer
from dagster_k8s import K8sRunLauncher, k8s_job_executor

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
VALUES = ROOT / "deploy" / "helm" / "values.yaml"
EXECUTOR = ROOT / "deploy" / "k8s" / "executor.yaml"
RUN_LAUNCHER = ROOT / "deploy" / "k8s" / "run_launcher.yaml"
DEPLOY_README = ROOT / "deploy" / "README.md"
PROD_INSTANCE = ROOT / "deploy" / "dagster.prod.yaml"

MODULE = "ds_pipeline.definitions"
DATA_DIR = "/opt/ds-pipeline/data"

# Keys of the Dagster Helm chart's values schema (helm/dagster/schema in the Dagster repository) for the parts
# this project sets. A key outside these lists is a typo or a key of another chart version.
CHART_TOP_LEVEL_KEYS = {
    "dagsterWebserver", "dagster-user-deployments", "postgresql", "generatePostgresqlPasswordSecret",
    "generateCeleryConfigSecret", "rabbitmq", "redis", "flower", "ingress", "imagePullSecrets",
    "computeLogManager", "scheduler", "runLauncher", "pythonLogs", "dagsterDaemon", "busybox", "migrate",
    "telemetry", "serviceAccount", "global", "retention", "additionalInstanceConfig",
    "nameOverride", "fullnameOverride", "rbacEnabled",
}
CHART_GLOBAL_KEYS = {"postgresqlSecretName", "dagsterHome", "serviceAccountName", "celeryConfigSecretName"}
CHART_POSTGRESQL_KEYS = {
    "postgresqlScheme", "image", "enabled", "postgresqlHost", "postgresqlUsername", "postgresqlPassword",
    "postgresqlDatabase", "postgresqlParams", "service",
}
CHART_USER_DEPLOYMENTS_KEYS = {"enabled", "enableSubchart", "imagePullSecrets", "deployments"}
CHART_USER_DEPLOYMENT_KEYS = {
    "name", "image", "port", "dagsterApiGrpcArgs", "codeServerArgs", "includeConfigInLaunchedRuns", "env",
    "envConfigMaps", "envSecrets", "annotations", "nodeSelector", "affinity", "tolerations", "podSecurityContext",
    "securityContext", "resources", "livenessProbe", "readinessProbe", "startupProbe", "labels", "volumeMounts",
    "volumes", "schedulerName",
}
CHART_K8S_RUN_LAUNCHER_KEYS = {
    "image", "imagePullPolicy", "jobNamespace", "loadInclusterConfig", "kubeconfigFile", "envConfigMaps",
    "envSecrets", "envVars", "volumeMounts", "volumes", "labels", "failPodOnRunFailure", "resources",
    "schedulerName", "securityContext", "runK8sConfig",
}
CHART_RUN_K8S_CONFIG_KEYS = {"containerConfig", "podSpecConfig", "podTemplateSpecMetadata", "jobSpecConfig",
                             "jobMetadata"}
CHART_DAEMON_KEYS = {
    "schedulerName", "volumeMounts", "volumes", "enabled", "image", "runCoordinator", "heartbeatTolerance", "env",
    "envConfigMaps", "envSecrets", "deploymentLabels", "labels", "nodeSelector", "affinity", "tolerations",
    "podSecurityContext", "securityContext", "resources", "livenessProbe", "readinessProbe", "startupProbe",
    "annotations", "runMonitoring", "runRetries", "sensors", "schedules",
}


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def executor_config() -> dict[str, Any]:
    return load(EXECUTOR)["execution"]["config"]


def run_launcher_block() -> dict[str, Any]:
    return load(RUN_LAUNCHER)["run_launcher"]


def helm_values() -> dict[str, Any]:
    return load(VALUES)


def user_deployment() -> dict[str, Any]:
    deployments = helm_values()["dagster-user-deployments"]["deployments"]
    assert len(deployments) == 1
    return deployments[0]


def k8s_run_launcher_values() -> dict[str, Any]:
    launcher = helm_values()["runLauncher"]
    assert launcher["type"] == "K8sRunLauncher"
    return launcher["config"]["k8sRunLauncher"]


def executor_schema():
    return k8s_job_executor.config_schema.config_type


def error_text(result) -> str:
    return " ".join(error.message for error in result.errors)


def dockerfile_lines() -> list[str]:
    """Instructions of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for line in dockerfile_lines():
        if line.startswith("ENV "):
            env.update(dict(re.findall(r"(\w+)=(\S+)", line[4:])))
    return env


def readme() -> str:
    return DEPLOY_README.read_text(encoding="utf-8")


def readme_command(start: str) -> str:
    """The shell command of deploy/README.md that starts with `start`, its continuation lines joined."""
    for line in re.sub(r"\\\n\s*", " ", readme()).splitlines():
        if line.strip().startswith(start):
            return line.strip()
    raise AssertionError(f"deploy/README.md has no command starting with {start!r}")


# ---------------------------------------------------------------------------------------------------------------
# Config schemas of the installed dagster-k8s


def test_executor_config_passes_the_k8s_job_executor_schema():
    config = executor_config()
    result = process_config(executor_schema(), config)
    assert result.success, error_text(result)
    assert result.value["max_concurrent"] == config["max_concurrent"]
    assert result.value["step_k8s_config"]["container_config"]["resources"]["requests"]


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda c: c.update(max_concurent=c.pop("max_concurrent")), "max_concurent"),
        (lambda c: c.update(env_secret=c.pop("env_secrets")), "env_secret"),
        (lambda c: c["step_k8s_config"].update(container=c["step_k8s_config"].pop("container_config")), "container"),
        (lambda c: c.update(max_concurrent="four"), "max_concurrent"),
    ],
    ids=["misspelt max_concurrent", "misspelt env_secrets", "misspelt step container_config", "wrong type"],
)
def test_a_broken_executor_config_fails_the_same_validation(change, expected):
    config = copy.deepcopy(executor_config())
    change(config)
    result = validate_config(executor_schema(), config)
    assert not result.success
    assert expected in error_text(result)


def test_run_launcher_block_passes_the_k8s_run_launcher_schema(monkeypatch):
    block = run_launcher_block()
    assert class_from_code_pointer(block["module"], block["class"]) is K8sRunLauncher
    result = validate_config(K8sRunLauncher.config_type(), block["config"])
    assert result.success, error_text(result)
    for name in ("DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_DB", "DAGSTER_PG_PASSWORD"):
        monkeypatch.setenv(name, "x")
    processed = process_config(K8sRunLauncher.config_type(), block["config"])
    assert processed.success, error_text(processed)


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda c: c.update(env_secret=c.pop("env_secrets")), "env_secret"),
        (lambda c: c.update(run_k8s_confg=c.pop("run_k8s_config")), "run_k8s_confg"),
        (lambda c: c.pop("instance_config_map"), "instance_config_map"),
    ],
    ids=["misspelt env_secrets", "misspelt run_k8s_config", "missing instance_config_map"],
)
def test_a_broken_run_launcher_config_fails_the_same_validation(change, expected):
    config = copy.deepcopy(run_launcher_block()["config"])
    change(config)
    result = validate_config(K8sRunLauncher.config_type(), config)
    assert not result.success
    assert expected in error_text(result)


def test_production_instance_with_the_run_launcher_is_a_valid_dagster_yaml(tmp_path, monkeypatch):
    instance = {**load(PROD_INSTANCE), "run_launcher": run_launcher_block()}
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(instance), encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    config, custom_class = dagster_instance_config(str(tmp_path))
    assert custom_class is None
    assert config["run_launcher"]["class"] == "K8sRunLauncher"


# ---------------------------------------------------------------------------------------------------------------
# Helm values: only keys of the chart


def test_helm_values_use_only_keys_of_the_dagster_chart():
    values = helm_values()
    assert set(values) <= CHART_TOP_LEVEL_KEYS, set(values) - CHART_TOP_LEVEL_KEYS
    assert set(values["global"]) <= CHART_GLOBAL_KEYS
    assert set(values["postgresql"]) <= CHART_POSTGRESQL_KEYS
    assert set(values["dagster-user-deployments"]) <= CHART_USER_DEPLOYMENTS_KEYS
    assert set(user_deployment()) <= CHART_USER_DEPLOYMENT_KEYS, set(user_deployment()) - CHART_USER_DEPLOYMENT_KEYS
    launcher = k8s_run_launcher_values()
    assert set(launcher) <= CHART_K8S_RUN_LAUNCHER_KEYS, set(launcher) - CHART_K8S_RUN_LAUNCHER_KEYS
    assert set(launcher["runK8sConfig"]) <= CHART_RUN_K8S_CONFIG_KEYS
    assert set(values["dagsterDaemon"]) <= CHART_DAEMON_KEYS


def test_helm_values_describe_the_production_deployment():
    values = helm_values()
    deployment = user_deployment()
    assert values["dagsterDaemon"]["enabled"] is True
    assert values["postgresql"]["enabled"] is False and values["postgresql"]["postgresqlHost"]
    assert values["generatePostgresqlPasswordSecret"] is False
    assert deployment["name"] == "ds-pipeline"
    assert deployment["port"] == 4000
    assert deployment["env"]["DS_ENV"] == "production"
    assert deployment["env"]["DS_EXECUTOR"] == "k8s"
    assert "DS_DATABASE_URL" not in deployment["env"]  # a secret, never a plain value
    assert deployment["image"]["tag"] not in ("", "latest")


def test_helm_user_deployment_serves_the_project_code_location():
    deployment = user_deployment()
    args = deployment.get("codeServerArgs") or deployment.get("dagsterApiGrpcArgs")
    assert args[args.index("-m") + 1] == MODULE
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["tool"]["dg"]["project"]["code_location_target_module"] == MODULE
    workspace = load(ROOT / "workspace.yaml")
    assert [entry["python_module"]["module_name"] for entry in workspace["load_from"]] == [MODULE]


# ---------------------------------------------------------------------------------------------------------------
# The same names everywhere


def test_image_is_named_the_same_everywhere():
    image = user_deployment()["image"]
    reference = f"{image['repository']}:{image['tag']}"
    assert image["repository"] == "ghcr.io/ds-pipeline/ds-pipeline"
    assert executor_config()["job_image"] == reference
    assert run_launcher_block()["config"]["job_image"] == reference
    assert image["repository"] in readme()
    assert re.search(rf"docker build[^\n]*{re.escape(image['repository'])}", readme())


def test_warehouse_secret_is_named_the_same_everywhere():
    secret = user_deployment()["envSecrets"][0]["name"]
    assert secret == "ds-pipeline-warehouse"
    assert [s["name"] for s in user_deployment()["envSecrets"]] == [secret]
    assert [s["name"] for s in k8s_run_launcher_values()["envSecrets"]] == [secret]
    assert executor_config()["env_secrets"] == [secret]
    assert run_launcher_block()["config"]["env_secrets"] == [secret]
    assert "--from-literal=DS_DATABASE_URL=" in readme_command(f"kubectl create secret generic {secret} ")


def test_instance_database_secret_is_named_the_same_everywhere():
    secret = helm_values()["global"]["postgresqlSecretName"]
    assert run_launcher_block()["config"]["postgres_password_secret"] == secret
    assert "--from-literal=postgresql-password=" in readme_command(f"kubectl create secret generic {secret} ")


def test_data_volume_is_the_same_claim_and_folder_everywhere():
    def claims(volumes: list[dict[str, Any]]) -> set[str]:
        found = set()
        for volume in volumes:
            claim = volume.get("persistentVolumeClaim") or volume.get("persistent_volume_claim")
            found.add(claim.get("claimName") or claim.get("claim_name"))
        return found

    def paths(mounts: list[dict[str, Any]]) -> set[str]:
        return {m.get("mountPath") or m.get("mount_path") for m in mounts}

    places = [user_deployment(), k8s_run_launcher_values(), executor_config(), run_launcher_block()["config"]]
    for place in places:
        assert claims(place["volumes"]) == {"ds-pipeline-data"}
        assert paths(place.get("volumeMounts") or place.get("volume_mounts")) == {DATA_DIR}
    assert "ds-pipeline-data" in readme()
    for name in ("DS_SOURCES_DIR", "DS_PUBLISH_DIR", "DS_ASSETS_DIR"):
        assert dockerfile_env()[name].startswith(DATA_DIR + "/")


def test_variables_agree_between_dockerfile_values_and_k8s_files():
    env = {k: v for k, v in dockerfile_env().items() if k.startswith("DS_")}
    assert env["DS_ENV"] == "production" and env["DS_EXECUTOR"] == "k8s"
    assert user_deployment()["env"] == env
    for env_vars in (executor_config()["env_vars"], run_launcher_block()["config"]["env_vars"]):
        given = dict(item.split("=", 1) for item in env_vars if "=" in item)
        assert given == env
        assert {item for item in env_vars if "=" not in item} <= {
            "DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_DB"}


def test_every_variable_the_image_sets_is_documented():
    text = readme()
    names = [name for name in dockerfile_env() if name.startswith("DS_")]
    assert {"DS_ENV", "DS_EXECUTOR", "DS_SOURCES_DIR", "DS_PUBLISH_DIR", "DS_ASSETS_DIR"} <= set(names)
    for name in [*names, "DS_DATABASE_URL", "DAGSTER_PG_PASSWORD"]:
        assert f"`{name}`" in text, f"{name} is not documented in deploy/README.md"


# ---------------------------------------------------------------------------------------------------------------
# Dockerfile


def test_dockerfile_installs_from_the_lock_file_and_runs_as_a_non_root_user():
    lines = dockerfile_lines()
    assert lines[0] == "FROM python:3.11-slim-bookworm"
    pip = [line for line in lines if "pip install" in line]
    assert any("-r requirements.lock" in line for line in pip)
    assert any("--no-deps" in line for line in pip)
    users = [line.split(None, 1)[1] for line in lines if line.startswith("USER ")]
    assert users, "the image sets no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert user == "10001"
    assert "EXPOSE 4000" in lines


def test_dockerfile_command_starts_the_code_server_of_the_module():
    from dagster._cli.code_server import start_command

    cmd = json.loads(next(line for line in lines_starting("CMD ")).removeprefix("CMD "))
    assert cmd[:3] == ["dagster", "code-server", "start"]
    assert cmd[cmd.index("-m") + 1] == MODULE
    assert cmd[cmd.index("-p") + 1] == str(user_deployment()["port"])
    context = start_command.make_context("start", cmd[3:])  # parses the options only, starts nothing
    assert context.params["module_name"] == MODULE and context.params["port"] == 4000


def lines_starting(prefix: str) -> list[str]:
    return [line for line in dockerfile_lines() if line.startswith(prefix)]


def test_dockerignore_keeps_local_data_out_of_the_image():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()}
    assert {".venv", "assets", "reports/published", "sources/demo/files", "test-artifacts", ".git", "tests"} <= ignored

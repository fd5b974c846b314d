"""docker/ and deploy/ are checked without a Docker engine: the compose file parses and interpolates from
.env.example, the Dagster instance and workspace files validate with Dagster's own schema, every
service's command (and health check) exists in its image and parses with that program's own argument
parser, the images pin what pyproject.toml pins, and every concurrency pool in the code has a limit."""

from __future__ import annotations

import importlib
import re
import shutil
import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from tiktok_pipelines_tests.deployment.compose import (
    DOCKER,
    ROOT,
    MissingVariable,
    interpolate,
    load_compose,
    parse_dockerfile,
    read_env_file,
    service_command,
    service_environment,
    variables_used,
)

DEPLOY = ROOT / "deploy"
ISSUE_SERVICES = {"postgres", "minio", "minio-init", "init", "code", "webserver", "daemon"}
# Third-party images: the programs our compose file runs in them (their own documented entrypoints).
EXTERNAL_PROGRAMS = {
    "postgres": {"postgres", "pg_isready", "psql"},
    "minio/minio": {"minio", "mc"},
    "minio/mc": {"mc", "/bin/sh"},
}
# System packages runs need (media, OCR, voices, fonts, OpenCV); the Makefile adds test-only ones.
RUNTIME_APT = {"ffmpeg", "tesseract-ocr", "tesseract-ocr-eng", "espeak-ng", "fonts-dejavu-core", "fontconfig", "libgl1",
               "libglib2.0-0"}
TEST_ONLY_APT = {"chromium"}  # the dashboard's browser tests
# What the external images run when the compose file gives only arguments.
EXTERNAL_ENTRYPOINTS = {"minio/minio": "minio"}


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pins() -> dict[str, str]:
    pins = {}
    for req in _pyproject()["project"]["dependencies"]:
        name, sep, version = req.partition("==")
        if sep:
            pins[name.strip().lower()] = version.strip()
    return pins


def _secrets_filled(env: dict[str, str]) -> dict[str, str]:
    """.env.example with every blank secret given a value, as an operator's .env has."""
    return {k: v or f"test-{k.lower()}" for k, v in env.items()}


def _env_refs(value: Any) -> set[str]:
    """Every {env: NAME} in a loaded Dagster YAML file."""
    if isinstance(value, dict):
        if set(value) == {"env"}:
            return {value["env"]}
        return set().union(*(_env_refs(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_env_refs(v) for v in value)) if value else set()
    return set()


# --- docker-compose.yml ------------------------------------------------------------------------------


# The compose-spec keys this file may use (a misspelt key would be ignored or refused by compose).
SERVICE_KEYS = {"build", "command", "depends_on", "entrypoint", "environment", "healthcheck", "image", "network_mode",
                "networks", "ports", "profiles", "restart", "volumes"}
HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period"}
DEPENDS_ON_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def test_compose_file_has_the_production_services_with_health_checks() -> None:
    compose = load_compose()
    assert {k for k in compose if not k.startswith("x-")} == {"name", "services", "volumes", "networks"}
    services = compose["services"]
    assert ISSUE_SERVICES <= set(services)
    for name, service in services.items():
        assert set(service) <= SERVICE_KEYS, (name, sorted(set(service) - SERVICE_KEYS))
        assert set(service.get("healthcheck", {})) <= HEALTHCHECK_KEYS, name
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in services and rule["condition"] in DEPENDS_ON_CONDITIONS, (name, dependency)
        assert ("image" in service) and not ("network_mode" in service and "networks" in service), name
    assert services["postgres"]["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"][1]
    # Nothing that needs the database starts before it is healthy and migrated.
    assert services["init"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["init"]["depends_on"]["minio-init"] == {"condition": "service_completed_successfully"}
    assert services["code"]["depends_on"]["init"] == {"condition": "service_completed_successfully"}
    for name in ("webserver", "daemon"):
        assert services[name]["depends_on"]["code"] == {"condition": "service_healthy"}
    for name in ("postgres", "minio", "code", "webserver"):
        assert "healthcheck" in services[name], name
    # The UI has no login: never published beyond the host's loopback.
    assert all(str(p).startswith("127.0.0.1:") for s in services.values() for p in s.get("ports", []))
    # Declared volumes and networks only.
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source.startswith(".") or source in compose["volumes"], (name, volume)
            if source.startswith("."):
                assert (DOCKER / source).exists(), (name, volume)
        assert set(service.get("networks", [])) <= set(compose.get("networks", {})), name


def test_every_variable_the_compose_file_needs_is_documented_in_env_example() -> None:
    compose = load_compose()
    documented = read_env_file()
    required = {name for name, op in variables_used(compose).items() if op in (None, ":?", "?")}
    assert required <= set(documented), sorted(required - set(documented))
    # An operator who fills every blank secret gets a complete configuration ...
    resolved = interpolate(compose, _secrets_filled(documented))
    assert "${" not in yaml.safe_dump(resolved)
    # ... and one who forgets a secret is stopped with its name, before anything starts.
    with pytest.raises(MissingVariable, match="DAGSTER_PG_PASSWORD"):
        interpolate(compose, documented)


def test_every_setting_the_dagster_files_read_reaches_every_process_that_reads_them() -> None:
    compose = load_compose()
    env = _secrets_filled(read_env_file())
    needed = _env_refs(yaml.safe_load((DOCKER / "dagster.yaml").read_text()))
    needed |= _env_refs(yaml.safe_load((DOCKER / "workspace.yaml").read_text()))
    assert {"DAGSTER_PG_HOST", "DAGSTER_PG_PASSWORD", "DAGSTER_COMPUTE_LOGS_BUCKET", "DAGSTER_CODE_SERVER_HOST"} <= needed
    # Runs execute in the code server, so it needs the instance settings as much as the daemon does.
    for service in ("init", "code", "webserver", "daemon"):
        assert needed <= set(service_environment(compose, service, env)), service
    code = service_environment(compose, "code", env)
    # The warehouse is its own database on the same server as Dagster's.
    assert code["TIKTOK_WAREHOUSE_URL"].startswith("postgresql+psycopg2://tiktok:")
    assert code["TIKTOK_WAREHOUSE_URL"].endswith("@postgres:5432/warehouse")
    assert code["DAGSTER_PG_HOST"] == "postgres" and code["DAGSTER_PG_DB"] == "dagster"
    assert code["TIKTOK_MEDIA_STORE"].startswith("s3://") and code["TIKTOK_S3_ENDPOINT_URL"] == "http://minio:9000"


def _click_command(script: str) -> click.Command:
    ep = next(e for e in entry_points(group="console_scripts") if e.name == script)
    return importlib.import_module(ep.module).cli


def _parse_click(command: click.Command, prog: str, args: list[str]) -> str:
    """Parse args with the program's own click parser (raises UsageError); returns the leaf command."""
    ctx = command.make_context(prog, list(args))
    if isinstance(command, click.Group):
        name, sub, rest = command.resolve_command(ctx, [*ctx._protected_args, *ctx.args])  # noqa: SLF001
        assert sub is not None and name is not None
        return _parse_click(sub, name, rest)
    return command.name or prog


def _dist_of_script(script: str) -> str:
    ep = next(e for e in entry_points(group="console_scripts") if e.name == script)
    assert ep.dist is not None
    return ep.dist.name.lower().replace("_", "-")


def _declared_distributions(dockerfile) -> set[str]:  # noqa: ANN001
    declared = {name.replace("_", "-") for name in dockerfile.pip}
    if dockerfile.pip_installs_project:
        declared.add(_pyproject()["project"]["name"].lower().replace("_", "-"))
        declared |= {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in _pyproject()["project"]["dependencies"]}
    return declared


def _check_program(argv: list[str], dockerfile) -> None:  # noqa: ANN001
    """argv runs in an image built from `dockerfile`: its program is installed there and accepts argv."""
    program, args = argv[0], argv[1:]
    if program == "python":
        assert dockerfile.base.startswith("python:"), dockerfile.path
        if args[0] == "-c":
            compile(args[1], "<healthcheck>", "exec")
            return
        copied = {f"{dest.rstrip('/')}/{Path(src).name}" for srcs, dest in dockerfile.copies for src in srcs}
        assert args[0] in copied, f"{args[0]} is not copied into {dockerfile.path.name}"
        return
    assert _dist_of_script(program) in _declared_distributions(dockerfile), f"{program} is not installed by {dockerfile.path.name}"
    if program == "tiktok-pipelines":  # argparse: --help exits 0 only if the subcommand and options parse
        from tiktok_pipelines.cli import main

        with pytest.raises(SystemExit) as exc:
            main([*args, "--help"])
        assert exc.value.code == 0
        return
    _parse_click(_click_command(program), program, args)


def test_every_service_command_exists_in_its_image_and_parses(capsys: pytest.CaptureFixture[str]) -> None:
    compose = load_compose()
    for name, service in sorted(compose["services"].items()):
        healthcheck = (service.get("healthcheck") or {}).get("test") or []
        command = service_command(compose, name)
        checks = ([command] if command or "build" in service else []) + ([healthcheck[1:]] if healthcheck[:1] == ["CMD"] else [])
        if "build" in service:
            dockerfile = parse_dockerfile(DOCKER / service["build"]["context"] / service["build"]["dockerfile"])
            for argv in checks:
                _check_program(argv or dockerfile.cmd, dockerfile)
        else:
            repo = service["image"].split(":", 1)[0]
            programs = EXTERNAL_PROGRAMS[repo]
            for argv in checks:
                if argv and argv[0] in programs:
                    continue
                entrypoint = service.get("entrypoint", [EXTERNAL_ENTRYPOINTS.get(repo)])
                assert entrypoint and entrypoint[0] in programs, (name, argv)
            if healthcheck[:1] == ["CMD-SHELL"]:
                assert healthcheck[1].split()[0] in programs, name
    # Each image's own default command parses too.
    for dockerfile_name in ("Dockerfile", "Dockerfile.dagster"):
        dockerfile = parse_dockerfile(DOCKER / dockerfile_name)
        _check_program(dockerfile.cmd, dockerfile)
    capsys.readouterr()


def test_a_command_the_image_does_not_have_is_caught() -> None:
    """The check above can fail: a misspelt option, and a program the image does not install."""
    webserver_image = parse_dockerfile(DOCKER / "Dockerfile.dagster")
    with pytest.raises(click.UsageError):
        _check_program(["dagster-daemon", "run", "--no-such-option"], webserver_image)
    with pytest.raises(AssertionError, match="tiktok-pipelines is not installed"):
        _check_program(["tiktok-pipelines", "db", "upgrade"], webserver_image)


def test_images_pin_what_pyproject_pins_and_install_the_makefile_system_packages() -> None:
    pins = _pins()
    dagster_image = parse_dockerfile(DOCKER / "Dockerfile.dagster")
    for name in ("dagster", "dagster-webserver", "dagster-postgres", "dagster-aws"):
        assert dagster_image.pip[name] == pins[name], name
    assert dagster_image.pip["dagster-graphql"] == pins["dagster"]
    code_image = parse_dockerfile(DOCKER / "Dockerfile")
    assert code_image.pip_installs_project
    assert {n: code_image.pip[n] for n in ("torch", "torchvision")} == {n: pins[n] for n in ("torch", "torchvision")}
    makefile = (ROOT / "Makefile").read_text()
    apt = set(re.search(r"^APT_PACKAGES\s*:=\s*(.+)$", makefile, re.M).group(1).split())  # type: ignore[union-attr]
    assert RUNTIME_APT <= apt  # what runs need is what `make setup` installs ...
    assert apt - TEST_ONLY_APT <= code_image.apt, sorted(apt - TEST_ONLY_APT - code_image.apt)  # ... and so does the image
    assert code_image.base == dagster_image.base and code_image.base.startswith("python:3.11-")
    assert code_image.cmd == service_command(load_compose(), "code")


@pytest.mark.parametrize("dockerfile_name", ["Dockerfile", "Dockerfile.dagster"])
def test_every_file_an_image_copies_exists_and_passes_its_dockerignore(dockerfile_name: str) -> None:
    compose = load_compose()
    build = next(s["build"] for s in compose["services"].values() if s.get("build", {}).get("dockerfile", "").endswith(dockerfile_name))
    context = (DOCKER / build["context"]).resolve()
    ignore = (DOCKER / f"{dockerfile_name}.dockerignore").read_text().splitlines()
    allowed = [line[1:].rstrip("/") for line in ignore if line.startswith("!")]
    assert "*" in ignore  # everything else stays out of the build context (data/, .venv/, .env)
    for sources, _ in parse_dockerfile(DOCKER / dockerfile_name).copies:
        for source in sources:
            assert (context / source).exists(), source
            assert any(source == a or source.startswith(a + "/") for a in allowed), f"{source} is excluded by the dockerignore"


# --- the Dagster instance and workspace ---------------------------------------------------------------

INSTANCE_ENV = {
    "DAGSTER_PG_HOST": "postgres", "DAGSTER_PG_PORT": "5432", "DAGSTER_PG_USERNAME": "dagster",
    "DAGSTER_PG_PASSWORD": "secret", "DAGSTER_PG_DB": "dagster", "DAGSTER_COMPUTE_LOGS_BUCKET": "dagster-logs",
    "DAGSTER_S3_ENDPOINT_URL": "http://minio:9000", "DAGSTER_CODE_SERVER_HOST": "code", "DAGSTER_CODE_SERVER_PORT": "4000",
}


@pytest.fixture
def production_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DAGSTER_HOME holding docker/dagster.yaml and workspace.yaml, its variables set as in compose."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    for name in ("dagster.yaml", "workspace.yaml"):
        shutil.copy(DOCKER / name, home / name)
    for key, value in INSTANCE_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_production_dagster_yaml_is_valid_for_dagsters_instance_schema(production_home: Path) -> None:
    from dagster._core.instance.config import dagster_instance_config
    from dagster._core.instance.ref import InstanceRef
    from dagster_aws.s3.compute_log_manager import S3ComputeLogManager
    from dagster_postgres import PostgresRunStorage

    config, _ = dagster_instance_config(str(production_home))
    # Every address and secret of the instance database comes from the environment.
    assert {k: v for k, v in config["storage"]["postgres"]["postgres_db"].items()} == {
        "hostname": {"env": "DAGSTER_PG_HOST"}, "port": {"env": "DAGSTER_PG_PORT"}, "username": {"env": "DAGSTER_PG_USERNAME"},
        "password": {"env": "DAGSTER_PG_PASSWORD"}, "db_name": {"env": "DAGSTER_PG_DB"}, "scheme": "postgresql+psycopg2"}
    assert config["run_retries"]["enabled"] and config["run_monitoring"]["enabled"]
    assert config["concurrency"]["pools"]["default_limit"] >= 1
    ref = InstanceRef.from_dir(str(production_home))
    assert ref.run_storage_data.class_name == PostgresRunStorage.__name__
    assert ref.run_coordinator_data.class_name == "QueuedRunCoordinator"  # type: ignore[union-attr]
    assert ref.run_launcher_data is None or ref.run_launcher_data.class_name == "DefaultRunLauncher"
    compute_logs = ref.compute_log_manager
    assert isinstance(compute_logs, S3ComputeLogManager)
    assert compute_logs._s3_session.meta.endpoint_url == "http://minio:9000"  # noqa: SLF001


def test_a_broken_instance_config_is_refused_by_the_schema(production_home: Path) -> None:
    from dagster._core.errors import DagsterInvalidConfigError
    from dagster._core.instance.config import dagster_instance_config

    text = (production_home / "dagster.yaml").read_text().replace("max_concurrent_runs:", "max_concurent_runs:")
    (production_home / "dagster.yaml").write_text(text)
    with pytest.raises(DagsterInvalidConfigError, match="max_concurent_runs"):
        dagster_instance_config(str(production_home))


def test_run_limits_keep_slots_free_for_the_hourly_snapshot() -> None:
    runs = yaml.safe_load((DOCKER / "dagster.yaml").read_text())["concurrency"]["runs"]
    limits = {item["key"]: item["limit"] for item in runs["tag_concurrency_limits"]}
    assert limits["dagster/backfill"] >= 1
    # Backfills and sensor-launched extraction together can never fill every run slot.
    assert runs["max_concurrent_runs"] - sum(limits.values()) >= 2
    # The snapshot runs carry neither tag (they come from the account schedules).
    from tiktok_pipelines.defs.account.schedules import account_refresh_job

    assert not set(account_refresh_job.tags) & set(limits)


def test_workspace_yaml_loads_the_grpc_code_location(production_home: Path) -> None:
    from dagster._core.remote_origin import GrpcServerCodeLocationOrigin
    from dagster._core.workspace.load_target import WorkspaceFileTarget

    [origin] = WorkspaceFileTarget([str(production_home / "workspace.yaml")]).create_origins()
    assert isinstance(origin, GrpcServerCodeLocationOrigin)
    assert (origin.host, origin.port, origin.location_name) == ("code", 4000, "tiktok_pipelines")
    local = WorkspaceFileTarget([str(ROOT / "workspace.yaml")]).create_origins()
    assert [o.location_name for o in local] == [origin.location_name]  # the same location name as `dg dev`


def test_local_dagster_yaml_still_validates() -> None:
    from dagster._core.instance.config import dagster_instance_config

    dagster_instance_config(str(ROOT))


# --- pools --------------------------------------------------------------------------------------------


def _init_module():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("init_instance", DOCKER / "init_instance.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_pool_the_definitions_use_has_a_limit_in_pools_yaml() -> None:
    from tiktok_pipelines.definitions import defs

    used = {pool for node in defs().resolve_asset_graph().asset_nodes for pool in (node.pools or [])}
    limits = _init_module().load_pool_limits(DOCKER / "pools.yaml")
    assert used == set(limits), {"unlisted": sorted(used - set(limits)), "unused": sorted(set(limits) - used)}
    assert all(limit >= 1 for limit in limits.values())  # 0 would stop every run that uses the pool
    assert limits["tiktok_api"] == 1 and limits["tiktok_research"] == 1


@pytest.mark.parametrize(("text", "message"), [
    ("extraction: two\n", "pool 'extraction' must be an integer >= 0, got 'two'"),
    ("extraction: -1\n", "pool 'extraction' must be an integer >= 0, got -1"),
    ("- extraction\n", "expected a mapping of pool name to limit"),
])
def test_a_bad_pools_file_names_the_pool(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "pools.yaml"
    path.write_text(text)
    init = _init_module()
    with pytest.raises(init.PoolsFileError, match=re.escape(message)):
        init.load_pool_limits(path)


# --- Kubernetes values ------------------------------------------------------------------------------


def test_helm_values_run_each_run_in_its_own_pod_with_the_compose_limits() -> None:
    values = yaml.safe_load((DEPLOY / "values.yaml").read_text())
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    [deployment] = values["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "tiktok_pipelines.definitions"]
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True
    requests = deployment["resources"]["requests"]
    assert {"cpu", "memory"} <= set(requests)
    # The same queue, pools and retries as docker/dagster.yaml.
    instance = yaml.safe_load((DOCKER / "dagster.yaml").read_text())
    concurrency = values["concurrency"]
    assert concurrency["enabled"] is True
    assert concurrency["runs"]["maxConcurrentRuns"] == instance["concurrency"]["runs"]["max_concurrent_runs"]
    assert concurrency["runs"]["tagConcurrencyLimits"] == instance["concurrency"]["runs"]["tag_concurrency_limits"]
    assert concurrency["pools"]["defaultLimit"] == instance["concurrency"]["pools"]["default_limit"]
    assert concurrency["pools"]["granularity"] == instance["concurrency"]["pools"]["granularity"]
    daemon = values["dagsterDaemon"]
    assert daemon["runRetries"] == {"enabled": True, "maxRetries": instance["run_retries"]["max_retries"],
                                    "retryOnAssetOrOpFailure": instance["run_retries"]["retry_on_asset_or_op_failure"]}
    assert daemon["runMonitoring"]["enabled"] is True
    assert values["computeLogManager"]["type"] == "S3ComputeLogManager"
    assert values["postgresql"]["enabled"] is False  # an external, backed-up PostgreSQL
    assert values["postgresql"]["postgresqlScheme"] == instance["storage"]["postgres"]["postgres_db"]["scheme"]
    # The GPU run configuration for ASR/CLIP: a node selector, a toleration and a GPU limit.
    env = {e["name"]: e["value"] for e in deployment["env"] if "value" in e}
    gpu = yaml.safe_load(env["TIKTOK_K8S_GPU_RUN_CONFIG"])
    assert gpu["pod_spec_config"]["node_selector"] and gpu["pod_spec_config"]["tolerations"]
    assert gpu["container_config"]["resources"]["limits"]["nvidia.com/gpu"] == 1
    # Pools and migrations: the same init step as the compose `init` service, from the same image.
    job = yaml.safe_load((DEPLOY / "init-job.yaml").read_text())
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == service_command(load_compose(), "init")
    assert container["image"].rsplit(":", 1)[0] == deployment["image"]["repository"]

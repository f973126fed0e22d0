from ko_common.service_main import run
from ko_deployment.app import DeploymentSettings, create_app


def main() -> None:
    run(create_app, DeploymentSettings)


if __name__ == "__main__":
    main()

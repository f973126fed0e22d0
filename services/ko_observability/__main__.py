from ko_common.service_main import run
from ko_observability.app import ObservabilitySettings, create_app


def main() -> None:
    run(create_app, ObservabilitySettings)


if __name__ == "__main__":
    main()

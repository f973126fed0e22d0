from ko_common.service_main import run
from ko_gateway.app import create_app
from ko_gateway.settings import GatewaySettings


def main() -> None:
    run(create_app, GatewaySettings)


if __name__ == "__main__":
    main()

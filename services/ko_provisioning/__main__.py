from ko_common.service_main import run
from ko_provisioning.app import ProvisioningSettings, create_app


def main() -> None:
    run(create_app, ProvisioningSettings)


if __name__ == "__main__":
    main()

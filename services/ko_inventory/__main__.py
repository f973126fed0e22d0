from ko_common.service_main import run
from ko_inventory.app import InventorySettings, create_app


def main() -> None:
    run(create_app, InventorySettings)


if __name__ == "__main__":
    main()

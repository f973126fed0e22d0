from ko_backup.app import BackupSettings, create_app
from ko_common.service_main import run


def main() -> None:
    run(create_app, BackupSettings)


if __name__ == "__main__":
    main()

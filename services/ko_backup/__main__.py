from ko_common.service_main import run
from ko_backup.app import BackupSettings, create_app


def main() -> None:
    run(create_app, BackupSettings)


if __name__ == "__main__":
    main()

from ko_backup.models import Base
from ko_common.migrations import run_env

run_env(Base.metadata)

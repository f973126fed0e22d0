from ko_common.migrations import run_env
from ko_inventory.models import Base

run_env(Base.metadata)

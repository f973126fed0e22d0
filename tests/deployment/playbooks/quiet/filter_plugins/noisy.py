"""A filter plugin that, like some libraries Ansible loads, emits a Python warning when imported."""

import warnings

warnings.warn("ko test: a library's deprecation noise", UserWarning, stacklevel=1)


class FilterModule:
    def filters(self):
        return {"ko_noisy": lambda value: value}

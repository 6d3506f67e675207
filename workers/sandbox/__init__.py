"""The kernel sandbox (docs/SECURITY.md): every kernel in its own uid, namespaces, filesystem
view and cgroups, with rlimits, built by `checks.build` at worker start."""

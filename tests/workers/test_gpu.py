"""GPU facts for the registry, parsed from nvidia-smi's CSV."""
from workers.gpu import parse


def test_parse_nvidia_smi_csv():
    text = "NVIDIA H200, 143771, 512\nNVIDIA H200, 143771, 0\n"
    assert parse(text) == [
        {"name": "NVIDIA H200", "memory_total_mib": 143771, "memory_used_mib": 512},
        {"name": "NVIDIA H200", "memory_total_mib": 143771, "memory_used_mib": 0}]
    assert parse("") == [] and parse("No devices were found\n") == []
    assert parse("GPU, [N/A], [N/A]\n") == []

"""pytest-ece-o365: Cisco ECE ↔ Office 365 OAuth troubleshooting checklist as a pytest plugin."""

__version__ = "0.1.0"

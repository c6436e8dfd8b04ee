"""The dietitian panel: a dietitian's clients, scoped by the member's consent (the care
links of accounts/care.py), their page and chart in the admin, the CSV export and the PDF
report (also the member's own GET /api/v1/report.pdf)."""

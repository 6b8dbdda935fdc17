"""What the dashboard and the CLI both show: value formatting, comparison tables, the setup form's rows."""

"""The Today wing: the dashboard's figures, registers still to take and absences to chase."""

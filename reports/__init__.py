"""Reports: every report and export, one module per report family. Reads other areas'
tables (a read-only session) and never writes them."""

"""The image edit station (SPEC §6): edit rules, the edit queue, corrections and
the clean document record that scoring reads (:func:`edit_station.clean.clean_document`)."""

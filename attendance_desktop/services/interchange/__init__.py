"""Exchange with the school ecosystem: the DfE Common Transfer File (CTF) in and out."""

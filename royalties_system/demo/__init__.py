"""`royalties demo`: seeds a real story against the running system and prints the money trail."""

"""The running stand-in and the commands that talk to it: the daemon (daemon.py), its
control protocol over a Unix socket (protocol.py), and the command line's side (client.py)."""

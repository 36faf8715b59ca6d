"""Goals the leader is practising, and their check-ins."""

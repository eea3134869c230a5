"""The project's real processes, started and reached the same way by the tests, the
benchmark and the scaled mode: waiting until a server serves, free ports, the servers
on free ports, and the NLU measured as a person sees it."""

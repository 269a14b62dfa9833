/*
 * `cafka leader-election`: preferred or unclean leader election through ElectLeaders (API 43),
 * with kafka-leader-election.sh's flags and output.
 */
#ifndef KC_ADMIN_ELECTION_H
#define KC_ADMIN_ELECTION_H

/**
 * Run `cafka leader-election` with the arguments after the command word. Prints results on
 * stdout, one `Error: ...` line on stderr on failure.
 * @return 0 on success, 1 when the election failed for a partition or the broker could not be
 *         reached, 2 on bad usage (`--help` prints the usage on stdout and returns 0).
 */
int kc_cli_leader_election(int argc, char **argv);

#endif

// ifgan-train --nproc N: N ranks of a data-parallel run on this machine, as
// torchrun starts them (WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR and
// MASTER_PORT in each one's environment). No LibTorch here.
#pragma once
#include <string>
#include <vector>

namespace ifgan {

// Runs `argv` (argv[0] is replaced by this executable) as ranks 0..n-1 on
// the loopback, a free port for rank 0, and waits for them. SIGINT reaches
// the ranks from the terminal and SIGTERM is passed on; each rank then
// stops at the same step and rank 0 writes its checkpoint. When a rank
// fails, the others are given `grace_s` to stop on their own (they notice a
// lost rank at once), then terminated. Returns 0 when every rank did;
// else the first failure's status (1 for a rank killed by a signal other
// than an interrupt), after a message naming the rank.
int launch_local_ranks(const std::vector<std::string>& argv, int n, double grace_s);

// A TCP port free on the loopback now.
int free_local_port();

// The signal rank `rank` reports when one or more ranks were signalled in
// a step (`by_rank[r]`: the signal rank r had received when it sent its
// part of the step's sum, 0 for none): its own when it had one, else the
// lowest signalled rank's; 0 when none had. It reads nothing but the sum,
// which every rank holds alike, so all ranks stop at the same step; a
// signal that comes after a rank sent its part is sent at the next step.
// A real signal's number, never a mix of several.
int agreed_signal(const std::vector<double>& by_rank, int rank);

}  // namespace ifgan

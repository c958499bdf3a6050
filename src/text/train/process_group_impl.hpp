// Internal: the collectives of a ProcessGroup on torch tensors (trainer.cpp only). Every rank
// must make the same calls in the same order; a rank that died or stays silent past the
// timeout turns into an xinzhi::Error naming the operation, never a hang.
#pragma once

#include <torch/torch.h>

#include "text/train/process_group.hpp"

namespace xinzhi::text {

// In place: the element-wise sum over all ranks (every rank gets bit-identical results).
void allreduce_sum(ProcessGroup& group, torch::Tensor& t, const char* what);
// In place: rank `root`'s tensor on every rank (same shape and dtype everywhere).
void broadcast(ProcessGroup& group, torch::Tensor& t, int root, const char* what);

}  // namespace xinzhi::text

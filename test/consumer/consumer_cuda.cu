// CUDA use of the installed headers: the GPU entry point compiles and links in a consumer.
// Built, not run: the machine that builds it may have no GPU.
#include <convt1d/convt1d.cuh>

int main() {
  convt1d::Problem problem;
  problem.batch = 0;  // empty: succeeds without touching the device
  problem.in_channels = 4;
  problem.out_channels = 4;
  problem.in_length = 16;
  problem.kernel_size = 3;
  const convt1d::Status status =
      convt1d::conv_transpose1d<float>(problem, nullptr, nullptr, nullptr, nullptr);
  return status == convt1d::Status::kSuccess ? 0 : 1;
}

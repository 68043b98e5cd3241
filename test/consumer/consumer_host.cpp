// Host-only use of the installed headers: validate a problem and run the CPU reference.
#include <convt1d/problem.hpp>
#include <convt1d/reference.hpp>

#include <cstdio>
#include <vector>

int main() {
  convt1d::Problem problem;
  problem.batch = 1;
  problem.in_channels = 2;
  problem.out_channels = 2;
  problem.in_length = 3;
  problem.kernel_size = 2;
  problem.stride = 2;
  if (convt1d::validate(problem) != convt1d::Status::kSuccess) return 1;
  std::vector<float> x(6, 1.0f), w(8, 0.5f), y(2 * convt1d::output_length(problem), 0.0f);
  const convt1d::Status status =
      convt1d::reference::conv_transpose1d(problem, x.data(), w.data(), nullptr, y.data());
  std::printf("status: %s, y[0] = %g\n", convt1d::to_string(status), y[0]);
  // Each output gets one tap from each of the 2 input channels: 2 * 1 * 0.5.
  return status == convt1d::Status::kSuccess && y[0] == 1.0f ? 0 : 1;
}

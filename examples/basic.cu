// convt1d in one page: an upsampling layer (HiFi-GAN's first, at batch 1) run on the GPU and
// compared with the CPU reference.
//
// Build: part of the convt1d project (target convt1d_example_basic), or on its own:
//   nvcc -std=c++17 -arch=sm_90 -I<convt1d>/include basic.cu -o basic
#include <convt1d/convt1d.cuh>
#include <convt1d/reference.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace {

bool check(cudaError_t error, const char* what) {
  if (error != cudaSuccess) {
    std::fprintf(stderr, "%s failed: %s\n", what, cudaGetErrorString(error));
    return false;
  }
  return true;
}

}  // namespace

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::fprintf(stderr, "convt1d example: no CUDA device found; this example needs a GPU\n");
    return 1;
  }

  convt1d::Problem problem;
  problem.batch = 1;
  problem.in_channels = 512;
  problem.out_channels = 256;
  problem.in_length = 862;
  problem.kernel_size = 16;
  problem.stride = 8;
  problem.padding = 4;
  if (convt1d::Status status = convt1d::validate(problem); status != convt1d::Status::kSuccess) {
    std::fprintf(stderr, "invalid problem: %s\n", convt1d::to_string(status));
    return 1;
  }
  const int64_t out_length = convt1d::output_length(problem);
  const size_t x_count = problem.batch * problem.in_channels * problem.in_length;
  const size_t w_count =
      problem.in_channels * (problem.out_channels / problem.groups) * problem.kernel_size;
  const size_t y_count = problem.batch * problem.out_channels * out_length;

  std::mt19937 generator(42);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> x(x_count), w(w_count), bias(problem.out_channels), y(y_count);
  for (float& value : x) value = uniform(generator);
  for (float& value : w) value = uniform(generator);
  for (float& value : bias) value = uniform(generator);

  float *x_device = nullptr, *w_device = nullptr, *bias_device = nullptr, *y_device = nullptr;
  cudaStream_t stream = nullptr;
  bool ok = check(cudaMalloc(&x_device, x_count * sizeof(float)), "cudaMalloc x") &&
            check(cudaMalloc(&w_device, w_count * sizeof(float)), "cudaMalloc w") &&
            check(cudaMalloc(&bias_device, bias.size() * sizeof(float)), "cudaMalloc bias") &&
            check(cudaMalloc(&y_device, y_count * sizeof(float)), "cudaMalloc y") &&
            check(cudaStreamCreate(&stream), "cudaStreamCreate") &&
            check(cudaMemcpyAsync(x_device, x.data(), x_count * sizeof(float),
                                  cudaMemcpyHostToDevice, stream), "copy x") &&
            check(cudaMemcpyAsync(w_device, w.data(), w_count * sizeof(float),
                                  cudaMemcpyHostToDevice, stream), "copy w") &&
            check(cudaMemcpyAsync(bias_device, bias.data(), bias.size() * sizeof(float),
                                  cudaMemcpyHostToDevice, stream), "copy bias");
  // A stride-8 layer: its weights are read faster once rearranged per output phase, which the
  // call does in a workspace when given one of workspace_size() bytes (allocated once, reused).
  const size_t workspace_bytes = convt1d::workspace_size<float>(problem);
  void* workspace = nullptr;
  if (ok && workspace_bytes > 0) {
    ok = check(cudaMalloc(&workspace, workspace_bytes), "cudaMalloc workspace");
  }
  if (ok) {
    // The call: asynchronous on `stream`, no allocation, no synchronization.
    convt1d::Options options;
    options.workspace = workspace;
    options.workspace_bytes = workspace_bytes;
    const convt1d::Status status = convt1d::conv_transpose1d(
        problem, x_device, w_device, bias_device, y_device, stream, options);
    if (status != convt1d::Status::kSuccess) {
      std::fprintf(stderr, "conv_transpose1d: %s\n", convt1d::to_string(status));
      ok = false;
    }
  }
  ok = ok &&
       check(cudaMemcpyAsync(y.data(), y_device, y_count * sizeof(float), cudaMemcpyDeviceToHost,
                             stream), "copy y") &&
       check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");

  double max_error = 0.0;
  if (ok) {
    std::vector<float> expected(y_count);
    convt1d::reference::conv_transpose1d(problem, x.data(), w.data(), bias.data(),
                                         expected.data());
    for (size_t i = 0; i < y_count; ++i) {
      max_error = std::max(max_error, std::fabs(static_cast<double>(y[i]) - expected[i]));
    }
    std::printf("y: %lld x %lld x %lld, max |gpu - cpu reference| = %.3g\n",
                static_cast<long long>(problem.batch), static_cast<long long>(problem.out_channels),
                static_cast<long long>(out_length), max_error);
  }
  cudaFree(x_device);
  cudaFree(w_device);
  cudaFree(bias_device);
  cudaFree(y_device);
  cudaFree(workspace);
  if (stream != nullptr) cudaStreamDestroy(stream);
  return ok && max_error < 1e-3 ? 0 : 1;
}

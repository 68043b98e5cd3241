// Entry point of the GPU test executable. Without a CUDA device every test exits with code 77,
// which ctest reports as SKIPPED (SKIP_RETURN_CODE); listing tests needs no device.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>

#include <cuda_runtime.h>

namespace {

bool only_lists_tests(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--list", 6) == 0 || std::strcmp(argv[i], "-l") == 0) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (!only_lists_tests(argc, argv)) {
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
      std::fprintf(stderr, "SKIPPED: no CUDA device on this machine\n");
      return 77;
    }
  }
  return Catch::Session().run(argc, argv);
}

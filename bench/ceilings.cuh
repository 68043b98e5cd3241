// convt1d bench: the roofline ceilings, measured on the card at start-up.
//
// A case's floor is max(FLOPs / compute ceiling, minimum bytes / copy ceiling). The copy ceiling
// is a large device-to-device cudaMemcpy (bytes read + bytes written per second); the compute
// ceilings are cuBLAS GEMMs at 8192^3 plus the theoretical FP32 FMA peak from the clock.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "bench_support.cuh"

namespace convt1d_bench {

inline void check_cublas(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw BenchError(std::string(what) + ": " + cublasGetStatusString(status));
  }
}

using UniqueCublas = UniqueHandle<cublasHandle_t, cublasDestroy>;

struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  int major = 0, minor = 0;
  int sm_count = 0;
  int clock_khz = 0;  // peak (boost) SM clock
  int64_t l2_bytes = 0;
  int64_t global_memory_bytes = 0;
};

inline DeviceInfo query_device(int ordinal) {
  cudaDeviceProp props{};
  check_cuda(cudaGetDeviceProperties(&props, ordinal), "cudaGetDeviceProperties");
  DeviceInfo info;
  info.ordinal = ordinal;
  info.name = props.name;
  info.major = props.major;
  info.minor = props.minor;
  info.sm_count = props.multiProcessorCount;
  info.l2_bytes = props.l2CacheSize;
  info.global_memory_bytes = static_cast<int64_t>(props.totalGlobalMem);
  // cudaDeviceProp::clockRate is gone in CUDA 13; the attribute remains.
  check_cuda(cudaDeviceGetAttribute(&info.clock_khz, cudaDevAttrClockRate, ordinal),
             "cudaDeviceGetAttribute(clock rate)");
  return info;
}

// FP32 FMA lanes per SM: 64 on sm_60, Volta and A100 (sm_80); 128 on Pascal consumer parts,
// Turing's successors GA10x/Ada, Hopper and Blackwell.
inline int fp32_lanes_per_sm(const DeviceInfo& device) {
  if (device.major == 7 || (device.major == 8 && device.minor == 0) ||
      (device.major == 6 && device.minor == 0)) {
    return 64;
  }
  return 128;
}

struct Ceilings {
  double copy_bytes_per_second = 0;  // device-to-device copy: bytes read + bytes written
  int64_t copy_buffer_bytes = 0;     // size of the copied buffer
  double fma_peak_flops = 0;         // SMs x FP32 lanes x 2 x peak clock (theoretical)
  double sgemm_flops = 0;            // cuBLAS FP32 GEMM without tensor cores (CUBLAS_COMPUTE_32F)
  double tf32_gemm_flops = 0;        // cuBLAS CUBLAS_COMPUTE_32F_FAST_TF32
  double bf16_gemm_flops = 0;        // cuBLAS BF16 in and out, FP32 accumulation
};

namespace detail {

inline double measure_copy(cudaStream_t stream, int64_t& buffer_bytes) {
  // 1 GiB each way (2 GiB moved per copy), smaller where memory is short.
  DeviceBuffer source = DeviceBuffer::largest_fitting(size_t{1} << 30, size_t{64} << 20);
  DeviceBuffer destination = DeviceBuffer::largest_fitting(source.bytes(), size_t{64} << 20);
  if (source.bytes() == 0 || destination.bytes() == 0) {
    throw BenchError("cannot allocate two 64 MiB buffers to measure the copy bandwidth");
  }
  const size_t bytes = destination.bytes();
  buffer_bytes = static_cast<int64_t>(bytes);
  fill_uniform(source.data<float>(), static_cast<int64_t>(bytes / sizeof(float)), 1, stream);
  const double seconds = median_seconds(stream, 3, 15, [&] {
    check_cuda(cudaMemcpyAsync(destination.data(), source.data(), bytes,
                               cudaMemcpyDeviceToDevice, stream),
               "cudaMemcpyAsync (copy ceiling)");
  });
  return 2.0 * static_cast<double>(bytes) / seconds;
}

// FLOP/s of one cublasGemmEx configuration on square size x size matrices.
inline double measure_gemm(cublasHandle_t cublas, cudaStream_t stream, cudaDataType_t input_type,
                           cudaDataType_t output_type, cublasComputeType_t compute_type) {
  constexpr int kSize = 8192;
  constexpr int64_t kElements = int64_t{kSize} * kSize;
  const auto bytes_of = [](cudaDataType_t type) {
    return static_cast<size_t>(kElements) * (type == CUDA_R_32F ? 4 : 2);
  };
  DeviceBuffer a(bytes_of(input_type));
  DeviceBuffer b(bytes_of(input_type));
  DeviceBuffer c(bytes_of(output_type));
  for (auto [buffer, seed] : {std::pair{&a, 11}, std::pair{&b, 12}}) {
    if (input_type == CUDA_R_32F) {
      fill_uniform(buffer->data<float>(), kElements, seed, stream);
    } else {
      fill_uniform(buffer->data<__nv_bfloat16>(), kElements, seed, stream);
    }
  }
  const float alpha = 1.0f, beta = 0.0f;
  const double seconds = median_seconds(stream, 2, 7, [&] {
    check_cublas(cublasGemmEx(cublas, CUBLAS_OP_N, CUBLAS_OP_N, kSize, kSize, kSize, &alpha,
                              a.data(), input_type, kSize, b.data(), input_type, kSize, &beta,
                              c.data(), output_type, kSize, compute_type, CUBLAS_GEMM_DEFAULT),
                 "cublasGemmEx (compute ceiling)");
  });
  return 2.0 * static_cast<double>(kSize) * kSize * kSize / seconds;
}

}  // namespace detail

inline Ceilings measure_ceilings(const DeviceInfo& device, cudaStream_t stream) {
  Ceilings ceilings;
  ceilings.fma_peak_flops = static_cast<double>(device.sm_count) * fp32_lanes_per_sm(device) *
                            2.0 * device.clock_khz * 1e3;
  ceilings.copy_bytes_per_second = detail::measure_copy(stream, ceilings.copy_buffer_bytes);

  cublasHandle_t raw_cublas = nullptr;
  check_cublas(cublasCreate(&raw_cublas), "cublasCreate");
  UniqueCublas cublas(raw_cublas);
  check_cublas(cublasSetStream(cublas.get(), stream), "cublasSetStream");
  // Default math: CUBLAS_COMPUTE_32F never uses TF32 unless NVIDIA_TF32_OVERRIDE says so.
  check_cublas(cublasSetMathMode(cublas.get(), CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
  ceilings.sgemm_flops =
      detail::measure_gemm(cublas.get(), stream, CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F);
  ceilings.tf32_gemm_flops = detail::measure_gemm(cublas.get(), stream, CUDA_R_32F, CUDA_R_32F,
                                                  CUBLAS_COMPUTE_32F_FAST_TF32);
  ceilings.bf16_gemm_flops = detail::measure_gemm(cublas.get(), stream, CUDA_R_16BF, CUDA_R_16BF,
                                                  CUBLAS_COMPUTE_32F);
  return ceilings;
}

}  // namespace convt1d_bench

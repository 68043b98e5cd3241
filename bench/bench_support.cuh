// convt1d bench: error checks, RAII owners of CUDA objects, element types, random fill, timing.
// Benchmark-only code: a failed call throws BenchError, which the driver turns into a skipped
// case (SkipWithError) or, at start-up, a message and exit code 1.
#pragma once

#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cuda_bf16.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace convt1d_bench {

struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void check_cuda(cudaError_t error, const char* what) {
  if (error != cudaSuccess) {
    throw BenchError(std::string(what) + ": " + cudaGetErrorName(error) + " (" +
                     cudaGetErrorString(error) + ")");
  }
}

// ---- RAII owners -------------------------------------------------------------------------------

// unique_ptr over an opaque handle type (cudaStream_t, cudnnHandle_t, ... are all pointers),
// released by the library's own destroy function. The destroy status is ignored: nothing useful
// can be done with it in a destructor.
template <auto destroy>
struct HandleDestroyer {
  template <class Handle>
  void operator()(Handle handle) const {
    (void)destroy(handle);
  }
};
template <class Handle, auto destroy>
using UniqueHandle = std::unique_ptr<std::remove_pointer_t<Handle>, HandleDestroyer<destroy>>;

using UniqueStream = UniqueHandle<cudaStream_t, cudaStreamDestroy>;
using UniqueEvent = UniqueHandle<cudaEvent_t, cudaEventDestroy>;

inline UniqueStream make_stream() {
  cudaStream_t stream = nullptr;
  check_cuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
  return UniqueStream(stream);
}

inline UniqueEvent make_event() {
  cudaEvent_t event = nullptr;
  check_cuda(cudaEventCreate(&event), "cudaEventCreate");
  return UniqueEvent(event);
}

// One cudaMalloc'ed block of device memory.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes) {
    if (bytes == 0) return;
    const cudaError_t error = cudaMalloc(&data_, bytes);
    if (error != cudaSuccess) {
      data_ = nullptr;
      (void)cudaGetLastError();  // an allocation failure is not sticky: clear it
      throw BenchError("cudaMalloc of " + std::to_string(bytes) + " bytes: " +
                       cudaGetErrorString(error));
    }
    bytes_ = bytes;
  }
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
      release();
      data_ = std::exchange(other.data_, nullptr);
      bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { release(); }

  // The largest buffer of at most `bytes` that fits, halving down to `min_bytes`; empty if none.
  static DeviceBuffer largest_fitting(size_t bytes, size_t min_bytes) {
    for (; bytes >= min_bytes && bytes > 0; bytes /= 2) {
      try {
        return DeviceBuffer(bytes);
      } catch (const BenchError&) {
      }
    }
    return DeviceBuffer();
  }

  template <class T = void>
  T* data() const {
    return static_cast<T*>(data_);
  }
  size_t bytes() const { return bytes_; }

 private:
  void release() {
    if (data_ != nullptr) (void)cudaFree(data_);
    data_ = nullptr;
    bytes_ = 0;
  }
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

// ---- element types -----------------------------------------------------------------------------

enum class DType { kFloat, kHalf, kBFloat16 };

template <class T>
struct TypeTag {
  using type = T;
};

// The one place where a runtime DType becomes a compile-time element type.
template <class Function>
decltype(auto) dispatch_dtype(DType dtype, Function&& function) {
  switch (dtype) {
    case DType::kFloat: return function(TypeTag<float>{});
    case DType::kHalf: return function(TypeTag<__half>{});
    case DType::kBFloat16: return function(TypeTag<__nv_bfloat16>{});
  }
  throw BenchError("unknown DType");
}

inline const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat: return "float";
    case DType::kHalf: return "half";
    case DType::kBFloat16: return "bfloat16";
  }
  return "unknown";
}

inline size_t dtype_bytes(DType dtype) { return dtype == DType::kFloat ? 4 : 2; }

template <class T>
constexpr DType kDTypeOf = std::is_same_v<T, float>    ? DType::kFloat
                           : std::is_same_v<T, __half> ? DType::kHalf
                                                       : DType::kBFloat16;

template <class T>
__host__ __device__ inline T element_from_float(float value) {
  if constexpr (std::is_same_v<T, float>) {
    return value;
  } else if constexpr (std::is_same_v<T, __half>) {
    return __float2half_rn(value);
  } else {
    static_assert(std::is_same_v<T, __nv_bfloat16>, "float, __half or __nv_bfloat16");
    return __float2bfloat16_rn(value);
  }
}

template <class T>
__host__ __device__ inline float element_to_float(T value) {
  if constexpr (std::is_same_v<T, float>) {
    return value;
  } else if constexpr (std::is_same_v<T, __half>) {
    return __half2float(value);
  } else {
    static_assert(std::is_same_v<T, __nv_bfloat16>, "float, __half or __nv_bfloat16");
    return __bfloat162float(value);
  }
}

// ---- random data -------------------------------------------------------------------------------

// A counter-based hash (splitmix64's finalizer): element i of a fill depends only on (seed, i),
// so every run and every buffer set gets the same, reproducible, non-zero data.
__host__ __device__ inline uint64_t mix64(uint64_t value) {
  value += 0x9e3779b97f4a7c15ull;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

// Uniform in [-1, 1): the top 24 bits of the hash, scaled.
__host__ __device__ inline float uniform_pm1(uint64_t seed, uint64_t index) {
  const uint64_t bits = mix64(seed ^ mix64(index)) >> 40;
  return static_cast<float>(bits) * (2.0f / 16777216.0f) - 1.0f;
}

template <class T>
__global__ void fill_uniform_kernel(T* __restrict__ data, int64_t count, uint64_t seed) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    data[i] = element_from_float<T>(uniform_pm1(seed, static_cast<uint64_t>(i)));
  }
}

template <class T>
void fill_uniform(T* data, int64_t count, uint64_t seed, cudaStream_t stream) {
  if (count <= 0) return;
  constexpr int kThreads = 256;
  const int64_t blocks = std::min<int64_t>((count + kThreads - 1) / kThreads, 65536);
  fill_uniform_kernel<T><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(data, count,
                                                                                  seed);
  check_cuda(cudaGetLastError(), "fill_uniform_kernel launch");
}

// out[i] = float(data[indices[i]]): reads a few sampled outputs without copying a whole tensor.
template <class T>
__global__ void gather_as_float_kernel(const T* __restrict__ data,
                                       const int64_t* __restrict__ indices, float* out,
                                       int count) {
  const int i = static_cast<int>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < count) out[i] = element_to_float(data[indices[i]]);
}

// ---- timing ------------------------------------------------------------------------------------

// Seconds between two recorded events, once the second has completed.
inline double elapsed_seconds(cudaEvent_t start, cudaEvent_t stop) {
  check_cuda(cudaEventSynchronize(stop), "cudaEventSynchronize");
  float milliseconds = 0.0f;
  check_cuda(cudaEventElapsedTime(&milliseconds, start, stop), "cudaEventElapsedTime");
  return milliseconds * 1e-3;
}

// Median over `repetitions` of the CUDA-event time of launch(), after `warmup` untimed launches.
template <class Launch>
double median_seconds(cudaStream_t stream, int warmup, int repetitions, Launch&& launch) {
  UniqueEvent start = make_event();
  UniqueEvent stop = make_event();
  for (int i = 0; i < warmup; ++i) launch();
  check_cuda(cudaStreamSynchronize(stream), "warm-up");
  std::vector<double> seconds;
  for (int i = 0; i < repetitions; ++i) {
    check_cuda(cudaEventRecord(start.get(), stream), "cudaEventRecord");
    launch();
    check_cuda(cudaEventRecord(stop.get(), stream), "cudaEventRecord");
    seconds.push_back(elapsed_seconds(start.get(), stop.get()));
  }
  std::sort(seconds.begin(), seconds.end());
  return seconds[seconds.size() / 2];
}

}  // namespace convt1d_bench

// Helpers of the GPU tests (test/kernel/): checked CUDA calls, RAII device resources, host-side
// element conversions, the random problem generator of the sweep, a deterministic hash pattern
// that the host and the device compute alike, a scalar gather oracle and the accuracy measure.
//
// Needs only problem.hpp from the library, so that its host parts can be exercised without the
// kernels.
#pragma once

#include <catch2/catch.hpp>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <convt1d/problem.hpp>

// REQUIREs that a CUDA runtime call returned cudaSuccess, naming the call and the error.
#define REQUIRE_CUDA(call)                                                          \
  do {                                                                              \
    const cudaError_t convt1d_test_cuda_error = (call);                             \
    INFO(#call << " returned " << cudaGetErrorName(convt1d_test_cuda_error) << " (" \
               << cudaGetErrorString(convt1d_test_cuda_error) << ")");              \
    REQUIRE(convt1d_test_cuda_error == cudaSuccess);                                \
  } while (false)

namespace convt1d_test {

inline std::string describe(const convt1d::Problem& p) {
  std::ostringstream os;
  os << "Problem{batch=" << p.batch << ", in_channels=" << p.in_channels
     << ", out_channels=" << p.out_channels << ", in_length=" << p.in_length
     << ", kernel_size=" << p.kernel_size << ", stride=" << p.stride << ", padding=" << p.padding
     << ", output_padding=" << p.output_padding << ", dilation=" << p.dilation
     << ", groups=" << p.groups << "}";
  // output_length() is only meaningful (and free of overflow) for valid problems.
  if (convt1d::validate(p) == convt1d::Status::kSuccess) {
    os << " output_length=" << convt1d::output_length(p);
  }
  return os.str();
}

}  // namespace convt1d_test

namespace Catch {

template <>
struct StringMaker<convt1d::Status> {
  static std::string convert(convt1d::Status status) {
    std::ostringstream os;
    os << static_cast<int32_t>(status) << " (" << convt1d::to_string(status) << ")";
    if (convt1d::is_cuda_error(status)) {
      os << " [" << cudaGetErrorName(static_cast<cudaError_t>(convt1d::cuda_error_code(status)))
         << "]";
    }
    return os.str();
  }
};

template <>
struct StringMaker<convt1d::Problem> {
  static std::string convert(const convt1d::Problem& p) { return convt1d_test::describe(p); }
};

}  // namespace Catch

namespace convt1d_test {

// ---------------------------------------------------------------------------------------------
// Element types

template <class T>
constexpr const char* type_name() {
  if constexpr (std::is_same_v<T, float>) {
    return "float";
  } else if constexpr (std::is_same_v<T, double>) {
    return "double";
  } else if constexpr (std::is_same_v<T, __half>) {
    return "__half";
  } else {
    return "__nv_bfloat16";
  }
}

// A small number per element type, used to give each type its own random problems.
template <class T>
constexpr uint64_t type_tag() {
  if constexpr (std::is_same_v<T, float>) {
    return 1;
  } else if constexpr (std::is_same_v<T, double>) {
    return 2;
  } else if constexpr (std::is_same_v<T, __half>) {
    return 3;
  } else {
    return 4;
  }
}

template <class T>
double to_double(T value) {
  if constexpr (std::is_same_v<T, __half>) {
    return static_cast<double>(__half2float(value));
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return static_cast<double>(__bfloat162float(value));
  } else {
    return static_cast<double>(value);
  }
}

// Rounds to T (half and bfloat16 through float: the inputs are defined as whatever this gives).
template <class T>
T from_double(double value) {
  if constexpr (std::is_same_v<T, __half>) {
    return __float2half_rn(static_cast<float>(value));
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __float2bfloat16_rn(static_cast<float>(value));
  } else {
    return static_cast<T>(value);
  }
}

template <class T>
std::vector<double> to_doubles(const std::vector<T>& values) {
  std::vector<double> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) out[i] = to_double(values[i]);
  return out;
}

inline std::vector<double> absolute(std::vector<double> values) {
  for (double& v : values) v = std::abs(v);
  return values;
}

// Accepted relative L2 error (see relative_error) for an element type and math mode, given the
// number of terms summed into one output. float and double outputs are sums of `terms` products
// accumulated in their own precision: the rounding error of a sequential sum grows like
// sqrt(terms), so the bound does too beyond 64 terms. half and bfloat16 are accumulated in float,
// their error is the final rounding of the output.
// TF32 rounds both operands of each product to a 10-bit mantissa: a product is off by at most
// 2^-10 of its size, which bounds any one problem's error; random data averages about 2.6e-4,
// which the sweep checks over all its problems together (kTf32PooledTolerance). 3xTF32 keeps the
// float bound.
template <class T>
double tolerance(int64_t terms, convt1d::MathMode math = convt1d::MathMode::kExact) {
  const double growth = std::max(1.0, std::sqrt(static_cast<double>(terms)) / 8.0);
  if constexpr (std::is_same_v<T, double>) {
    return 1e-12 * growth;
  } else if constexpr (std::is_same_v<T, float>) {
    return math == convt1d::MathMode::kTF32 ? 1e-3 : 1e-6 * growth;
  } else {
    return 1e-2;
  }
}

inline constexpr double kTf32PooledTolerance = 5e-4;

inline const char* math_name(convt1d::MathMode math) {
  switch (math) {
    case convt1d::MathMode::kExact: return "exact";
    case convt1d::MathMode::kTF32: return "TF32";
    case convt1d::MathMode::k3xTF32: return "3xTF32";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// RAII device resources

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  // REQUIREs the allocation. count may be 0: no memory, data() == nullptr.
  explicit DeviceBuffer(int64_t count) { REQUIRE_CUDA(try_allocate(count)); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { release(); }

  // For callers that handle a failure themselves (cudaErrorMemoryAllocation for huge buffers).
  cudaError_t try_allocate(int64_t count) {
    release();
    if (count <= 0) return cudaSuccess;
    void* memory = nullptr;
    const cudaError_t error = cudaMalloc(&memory, static_cast<size_t>(count) * sizeof(T));
    if (error == cudaSuccess) {
      data_ = static_cast<T*>(memory);
      count_ = count;
    }
    return error;
  }

  T* data() const { return data_; }
  int64_t size() const { return count_; }
  size_t bytes() const { return static_cast<size_t>(count_) * sizeof(T); }

 private:
  void release() {
    if (data_ != nullptr) cudaFree(data_);  // a destructor cannot REQUIRE; nothing to undo
    data_ = nullptr;
    count_ = 0;
  }

  T* data_ = nullptr;
  int64_t count_ = 0;
};

class Stream {
 public:
  Stream() { REQUIRE_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() {
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  ~Graph() {
    if (graph_ != nullptr) cudaGraphDestroy(graph_);
  }
  cudaGraph_t* out() { return &graph_; }
  cudaGraph_t get() const { return graph_; }

 private:
  cudaGraph_t graph_ = nullptr;
};

class GraphExec {
 public:
  GraphExec() = default;
  GraphExec(const GraphExec&) = delete;
  GraphExec& operator=(const GraphExec&) = delete;
  ~GraphExec() {
    if (exec_ != nullptr) cudaGraphExecDestroy(exec_);
  }
  cudaGraphExec_t* out() { return &exec_; }
  cudaGraphExec_t get() const { return exec_; }

 private:
  cudaGraphExec_t exec_ = nullptr;
};

// Stream-ordered copies; `count` elements.
template <class T>
void copy_to_device(T* device, const std::vector<T>& host, cudaStream_t stream) {
  if (host.empty()) return;
  REQUIRE_CUDA(cudaMemcpyAsync(device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice,
                               stream));
}

// Waits for `stream`, so the result is complete when this returns.
template <class T>
std::vector<T> copy_to_host(const T* device, int64_t count, cudaStream_t stream) {
  std::vector<T> host(static_cast<size_t>(count));
  if (count > 0) {
    REQUIRE_CUDA(cudaMemcpyAsync(host.data(), device, host.size() * sizeof(T),
                                 cudaMemcpyDeviceToHost, stream));
  }
  REQUIRE_CUDA(cudaStreamSynchronize(stream));
  return host;
}

// Every byte 0xFF: a NaN in float, double, half and bfloat16 alike.
template <class T>
void poison(T* device, int64_t count, cudaStream_t stream) {
  if (count <= 0) return;
  REQUIRE_CUDA(cudaMemsetAsync(device, 0xFF, static_cast<size_t>(count) * sizeof(T), stream));
}

template <class T>
bool all_bytes_equal(const T* values, int64_t count, unsigned char byte) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(values);
  const size_t size = static_cast<size_t>(count) * sizeof(T);
  return std::all_of(bytes, bytes + size, [byte](unsigned char b) { return b == byte; });
}

// ---------------------------------------------------------------------------------------------
// Deterministic pattern: the same values on host and device, without copying them.

__host__ __device__ inline uint64_t mix64(uint64_t z) {  // splitmix64's finalizer
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A value in [-1, 1) with 24 significant bits: exact in float, so no rounding can differ
// between host and device.
__host__ __device__ inline float pattern_value(uint64_t seed, int64_t index) {
  const uint64_t hash = mix64(mix64(seed) ^ static_cast<uint64_t>(index));
  const int32_t centered = static_cast<int32_t>(hash >> 40) - (1 << 23);
  return static_cast<float>(centered) * (1.0f / 8388608.0f);
}

template <class T>
__global__ void fill_pattern_kernel(T* data, int64_t count, uint64_t seed) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    data[i] = static_cast<T>(pattern_value(seed, i));
  }
}

// NaN count and the smallest NaN position in data[0, count). A thread's first NaN is its
// smallest, as its positions increase.
template <class T>
__global__ void count_nan_kernel(const T* data, int64_t count, unsigned long long* nan_count,
                                 unsigned long long* first_nan) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  unsigned long long local_count = 0;
  unsigned long long local_first = ~0ull;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    double value = 0;
    if constexpr (std::is_same_v<T, double>) {
      value = data[i];
    } else {
      value = static_cast<float>(data[i]);
    }
    if (value != value) {  // NaN (no fast-math in the tests)
      if (local_count == 0) local_first = static_cast<unsigned long long>(i);
      ++local_count;
    }
  }
  if (local_count > 0) {
    atomicAdd(nan_count, local_count);
    atomicMin(first_nan, local_first);
  }
}

template <class T>
__global__ void gather_kernel(const T* data, const int64_t* positions, int64_t count, T* out) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    out[i] = data[positions[i]];
  }
}

inline unsigned grid_for(int64_t count) {
  const int64_t blocks = (count + 255) / 256;
  return static_cast<unsigned>(std::clamp<int64_t>(blocks, 1, 4096));
}

template <class T>
void fill_pattern(T* device, int64_t count, uint64_t seed, cudaStream_t stream) {
  if (count <= 0) return;
  fill_pattern_kernel<<<grid_for(count), 256, 0, stream>>>(device, count, seed);
  REQUIRE_CUDA(cudaGetLastError());
}

struct NanCount {
  int64_t count = 0;
  int64_t first = -1;
};

template <class T>
NanCount count_nan_on_device(const T* device, int64_t count, cudaStream_t stream) {
  DeviceBuffer<unsigned long long> counters(2);
  const unsigned long long initial[2] = {0, ~0ull};
  REQUIRE_CUDA(
      cudaMemcpyAsync(counters.data(), initial, sizeof(initial), cudaMemcpyHostToDevice, stream));
  if (count > 0) {
    count_nan_kernel<<<grid_for(count), 256, 0, stream>>>(device, count, counters.data(),
                                                          counters.data() + 1);
    REQUIRE_CUDA(cudaGetLastError());
  }
  const std::vector<unsigned long long> result = copy_to_host(counters.data(), 2, stream);
  NanCount nan;
  nan.count = static_cast<int64_t>(result[0]);
  nan.first = result[0] > 0 ? static_cast<int64_t>(result[1]) : -1;
  return nan;
}

template <class T>
std::vector<T> gather_on_device(const T* device, const std::vector<int64_t>& positions,
                                cudaStream_t stream) {
  const int64_t count = static_cast<int64_t>(positions.size());
  DeviceBuffer<int64_t> device_positions(count);
  DeviceBuffer<T> values(count);
  copy_to_device(device_positions.data(), positions, stream);
  if (count > 0) {
    gather_kernel<<<grid_for(count), 256, 0, stream>>>(device, device_positions.data(), count,
                                                       values.data());
    REQUIRE_CUDA(cudaGetLastError());
  }
  return copy_to_host(values.data(), count, stream);
}

// ---------------------------------------------------------------------------------------------
// Oracles and the accuracy measure

// The largest number of products summed into one output (plus one for the bias): outputs of
// one phase j mod stride receive the taps k with k * dilation == j + padding (mod stride).
inline int64_t max_terms_per_output(const convt1d::Problem& p, bool with_bias) {
  std::vector<int64_t> taps_per_phase(static_cast<size_t>(p.stride), 0);
  for (int64_t k = 0; k < p.kernel_size; ++k) {
    ++taps_per_phase[static_cast<size_t>((k * p.dilation) % p.stride)];
  }
  const int64_t taps = *std::max_element(taps_per_phase.begin(), taps_per_phase.end());
  return taps * (p.in_channels / p.groups) + (with_bias ? 1 : 0);
}

struct OutputValue {
  double value = 0;      // y[n, co, j]
  double magnitude = 0;  // the sum of the absolute values of the terms y is made of
};

// One output, straight from the gather form of the definition:
//   y[n, co, j] = bias[co] + sum over ci in co's group and k of x[n, ci, t] * w[ci, co_local, k]
//   where t * stride == j + padding - k * dilation and 0 <= t < in_length.
// x_at and w_at map a flat index of x and w to its value (as double).
template <class XAt, class WAt>
OutputValue gather_output(const convt1d::Problem& p, int64_t n, int64_t co, int64_t j, XAt&& x_at,
                          WAt&& w_at, double bias) {
  const int64_t in_per_group = p.in_channels / p.groups;
  const int64_t out_per_group = p.out_channels / p.groups;
  const int64_t group = co / out_per_group;
  const int64_t co_local = co % out_per_group;
  OutputValue out{bias, std::abs(bias)};
  for (int64_t k = 0; k < p.kernel_size; ++k) {
    // t * stride for a contributing t; once negative, it stays negative for every larger k.
    const int64_t shifted = j + p.padding - k * p.dilation;
    if (shifted < 0) break;
    if (shifted % p.stride != 0) continue;
    const int64_t t = shifted / p.stride;
    if (t >= p.in_length) continue;
    for (int64_t ci = group * in_per_group; ci < (group + 1) * in_per_group; ++ci) {
      const double term = x_at((n * p.in_channels + ci) * p.in_length + t) *
                          w_at((ci * out_per_group + co_local) * p.kernel_size + k);
      out.value += term;
      out.magnitude += std::abs(term);
    }
  }
  return out;
}

struct Accuracy {
  double relative_error = 0;
  double error_norm = 0, scale = 0;  // relative_error = error_norm / scale
  int64_t worst = -1;  // the position (in the compared vectors) of the largest difference
  double worst_got = 0, worst_expected = 0;
};

// ||got - expected||_2 / scale with scale = max(||expected||_2, ||magnitude||_2 / sqrt(terms)):
// the relative L2 error, except that the denominator never falls below the typical size of a
// sum of `terms` random-signed terms. Without that floor, an output that cancels by chance
// (a one-element output x * w + bias close to 0) turns an ordinary float rounding into a large
// "relative" error. A NaN in got gives a NaN error, which fails every `<=` check.
inline Accuracy relative_error(const std::vector<double>& got, const std::vector<double>& expected,
                               const std::vector<double>& magnitude, int64_t terms) {
  Accuracy accuracy;
  double diff2 = 0, expected2 = 0, magnitude2 = 0, worst_diff = -1;
  for (size_t i = 0; i < got.size(); ++i) {
    const double diff = got[i] - expected[i];
    diff2 += diff * diff;
    expected2 += expected[i] * expected[i];
    magnitude2 += magnitude[i] * magnitude[i];
    const double size = std::isnan(diff) ? std::numeric_limits<double>::infinity() : std::abs(diff);
    if (size > worst_diff) {
      worst_diff = size;
      accuracy.worst = static_cast<int64_t>(i);
      accuracy.worst_got = got[i];
      accuracy.worst_expected = expected[i];
    }
  }
  const double typical = std::sqrt(magnitude2 / static_cast<double>(std::max<int64_t>(terms, 1)));
  const double scale = std::max(std::sqrt(expected2), typical);
  accuracy.error_norm = std::sqrt(diff2);
  accuracy.scale = scale;
  if (scale > 0) {
    accuracy.relative_error = std::sqrt(diff2) / scale;
  } else {  // an all-zero output: only an exact (or NaN) answer is meaningful
    accuracy.relative_error = diff2 == 0 ? 0.0 : std::sqrt(diff2) * 1e300;
  }
  return accuracy;
}

// ---------------------------------------------------------------------------------------------
// Seeds and the random problem generator of the sweep

// CONVT1D_TEST_SEED overrides the default base seed of every randomized test.
inline uint64_t base_seed() {
  if (const char* text = std::getenv("CONVT1D_TEST_SEED")) return std::strtoull(text, nullptr, 0);
  return 20241125;
}

inline uint64_t case_seed(uint64_t base, uint64_t stream_id, int64_t index) {
  return mix64(mix64(base ^ mix64(stream_id)) + static_cast<uint64_t>(index));
}

struct SweepLimits {
  int64_t max_macs;       // batch * in_channels * (out_channels / groups) * kernel_size * in_length
  int64_t max_elements;   // of x and of y
  int64_t wide_max_macs;  // for the few problems with 1536 channels (and of their w)
};

struct SweepCase {
  convt1d::Problem problem;
  bool with_bias = false;
  bool wide = false;  // has 1536 channels
};

inline int64_t macs(const convt1d::Problem& p) {
  return p.batch * p.in_channels * (p.out_channels / p.groups) * p.kernel_size * p.in_length;
}

// Draws problem number `index` of a sweep. The categorical choices cycle with the index over
// coprime periods, so that every kernel size of interest, every channel layout, bias on and
// off, both output_padding bounds and the empty batch all occur in any 65 consecutive problems
// whatever the seed; the numeric sizes are drawn from rng and shrunk to the limits.
inline SweepCase draw_sweep_case(int64_t index, std::mt19937_64& rng, const SweepLimits& limits) {
  // The kernel sizes the library specializes and some it does not; slot 12 draws any K.
  static constexpr int64_t kKernelSizes[12] = {1, 2, 3, 4, 5, 7, 8, 16, 6, 9, 13, 33};
  static constexpr int64_t kChannels[] = {1,  2,  3,  4,  5,  7,  8,  9,  12,  16,  17,
                                          24, 31, 32, 33, 48, 64, 65, 96, 127, 128, 256};
  static constexpr int64_t kStrides[] = {1, 2, 4, 8};

  auto uniform = [&rng](int64_t lo, int64_t hi) {  // inclusive
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  auto chance = [&rng](double p) { return std::bernoulli_distribution(p)(rng); };
  auto pick = [&uniform](const auto& values) {
    return values[uniform(0, static_cast<int64_t>(std::size(values)) - 1)];
  };

  const int64_t layout = index % 5;  // dense, depthwise, multiplier, grouped, small/odd
  const int64_t kernel_slot = index % 13;
  const bool with_bias = (index / 5) % 2 == 0;
  const int64_t output_padding_mode = (index / 10) % 3;  // 0, the largest legal, any legal
  const bool wide = index % 50 == 17;
  const int64_t wide_layout = (index / 50) % 4;
  const bool empty_batch = index % 23 == 11;

  for (;;) {
    convt1d::Problem p;
    p.kernel_size = kernel_slot < 12 ? kKernelSizes[kernel_slot] : uniform(1, 33);
    p.stride = chance(0.5) ? pick(kStrides) : uniform(1, 11);
    p.dilation = chance(0.6) ? 1 : uniform(2, 5);
    p.padding = chance(0.3) ? 0 : uniform(0, p.kernel_size * p.dilation);
    const int64_t max_output_padding = std::max(p.stride, p.dilation) - 1;
    p.output_padding = output_padding_mode == 0   ? 0
                       : output_padding_mode == 1 ? max_output_padding
                                                  : uniform(0, max_output_padding);
    p.batch = empty_batch ? 0 : (chance(0.4) ? 1 : uniform(2, 8));
    // Log-uniform in [1, 5000]: short and long lengths alike.
    p.in_length = std::clamp<int64_t>(
        std::llround(std::exp(std::uniform_real_distribution<double>(0.0, std::log(5000.0))(rng))),
        1, 5000);

    if (wide) {
      p.batch = empty_batch ? 0 : uniform(1, 2);
      p.in_length = uniform(1, 48);
      switch (wide_layout) {
        case 0:
          p.in_channels = 1536;
          p.out_channels = 768;
          p.groups = 1;
          break;
        case 1:
          p.in_channels = 1536;
          p.out_channels = 1536;
          p.groups = 1536;
          break;
        case 2:
          p.in_channels = 3;
          p.out_channels = 1536;
          p.groups = 1;
          break;
        default:
          p.in_channels = 1536;
          p.out_channels = 1536;
          p.groups = 2;
          break;
      }
    } else if (layout == 0) {  // dense
      p.in_channels = pick(kChannels);
      p.out_channels = pick(kChannels);
      p.groups = 1;
    } else if (layout == 1) {  // depthwise
      p.in_channels = p.out_channels = p.groups = pick(kChannels);
    } else if (layout == 2) {  // depthwise with a channel multiplier, either way round
      const int64_t channels = pick(kChannels);
      const int64_t multiplier = uniform(2, 4);
      p.groups = channels;
      p.in_channels = chance(0.67) ? channels : channels * multiplier;
      p.out_channels = p.in_channels == channels ? channels * multiplier : channels;
    } else if (layout == 3) {  // grouped
      p.groups = uniform(2, 8);
      p.in_channels = p.groups * uniform(1, 16);
      p.out_channels = p.groups * uniform(1, 16);
    } else {  // small and odd channel counts: 1, 3 and odd numbers up to 67
      static constexpr int64_t kOneOrThree[] = {1, 3};
      auto odd = [&]() { return chance(0.4) ? pick(kOneOrThree) : 2 * uniform(2, 33) + 1; };
      p.in_channels = odd();
      p.out_channels = odd();
      p.groups = 1;
    }

    const int64_t max_macs = wide ? limits.wide_max_macs : limits.max_macs;
    auto fits = [&](const convt1d::Problem& q) {
      if (convt1d::validate(q) != convt1d::Status::kSuccess) return false;
      const int64_t w_elements = q.in_channels * (q.out_channels / q.groups) * q.kernel_size;
      return macs(q) <= max_macs && w_elements <= max_macs &&
             q.batch * q.in_channels * q.in_length <= limits.max_elements &&
             q.batch * q.out_channels * convt1d::output_length(q) <= limits.max_elements;
    };
    while (!fits(p) && p.in_length > 1) p.in_length = (p.in_length + 1) / 2;
    if (fits(p)) return SweepCase{p, with_bias, wide};
    // Too large even at length 1, or padding too large for the output: draw again.
  }
}

}  // namespace convt1d_test

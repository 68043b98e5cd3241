// convt1d_bench: convt1d::conv_transpose1d against cuDNN, on the shapes of a shape file.
//
//   convt1d_bench [--shapes FILE] [--dtypes float,half,bfloat16] [Google Benchmark flags]
//
// One benchmark per (shape, dtype, implementation[, math]), named shape/dtype/impl:
//   kb64/float/cudnn_exact  cuDNN, FP32 FMA only (CUDNN_FMA_MATH)
//   kb64/float/cudnn_tf32   cuDNN, TF32 tensor cores allowed (CUDNN_DEFAULT_MATH)
//   kb64/half/cudnn         cuDNN, tensor cores (CUDNN_TENSOR_OP_MATH), FP32 accumulation
//   kb64/float/convt1d      convt1d (half, bfloat16: tensor cores; float: exact FMAs)
//   kb64/float/convt1d_tf32    convt1d, MathMode::kTF32
//   kb64/float/convt1d_3xtf32  convt1d, MathMode::k3xTF32
// A shape's cuDNN cases are registered (so run) before its convt1d case, which reports its speedup
// over them. Before a convt1d case is timed its output is checked against a double-precision host
// reference at sampled points and against cuDNN over the whole output; a failure sets the counter
// mismatch=1 and the label "MISMATCH ...". Times are CUDA-event times of single launches, rotating
// over enough buffer sets that x + w + y of consecutive launches never share the L2 cache; the
// reported time is their mean, the counters (median_us, GB/s, TFLOP/s, pct_floor, speedups) use
// their median.
#include <benchmark/benchmark.h>
#include <convt1d/convt1d.cuh>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench_support.cuh"
#include "ceilings.cuh"
#include "shape_file.hpp"
#ifdef CONVT1D_BENCH_HAVE_CUDNN
#include "cudnn_conv.cuh"
#endif

namespace convt1d_bench {

constexpr const char* kDefaultMinTime = "--benchmark_min_time=0.2";
#ifdef CONVT1D_BENCH_HAVE_CUDNN
constexpr size_t kCudnnWorkspaceBytes = size_t{4} << 30;  // Find's best algorithm may need > 1 GiB
#endif
constexpr int kMaxBufferSets = 512;
constexpr int kReferenceSamples = 1024;

// ---- command line ------------------------------------------------------------------------------

struct Options {
  std::string shapes_path = CONVT1D_BENCH_DEFAULT_SHAPES;
  std::vector<DType> dtypes = {DType::kFloat, DType::kHalf, DType::kBFloat16};
  bool help = false;
};

inline DType parse_dtype(const std::string& name) {
  if (name == "float" || name == "float32" || name == "fp32") return DType::kFloat;
  if (name == "half" || name == "float16" || name == "fp16") return DType::kHalf;
  if (name == "bfloat16" || name == "bf16") return DType::kBFloat16;
  throw BenchError("unknown dtype '" + name + "' (expected float, half or bfloat16)");
}

inline std::vector<DType> parse_dtype_list(const std::string& list) {
  std::vector<DType> dtypes;
  std::istringstream items(list);
  for (std::string item; std::getline(items, item, ',');) {
    if (!item.empty()) dtypes.push_back(parse_dtype(item));
  }
  if (dtypes.empty()) throw BenchError("--dtypes lists no dtype");
  return dtypes;
}

// Takes --shapes and --dtypes out of argv; what is left goes to Google Benchmark, after a default
// --benchmark_min_time that a flag on the command line overrides (the last one wins).
inline Options strip_options(int argc, char** argv, std::vector<char*>& benchmark_args) {
  Options options;
  benchmark_args = {argv[0], const_cast<char*>(kDefaultMinTime)};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value_of = [&](const std::string& flag) -> std::optional<std::string> {
      if (arg == flag) {
        if (i + 1 >= argc) throw BenchError(flag + " needs a value");
        return std::string(argv[++i]);
      }
      if (arg.rfind(flag + "=", 0) == 0) return arg.substr(flag.size() + 1);
      return std::nullopt;
    };
    if (auto shapes = value_of("--shapes")) {
      options.shapes_path = *shapes;
    } else if (auto dtypes = value_of("--dtypes")) {
      options.dtypes = parse_dtype_list(*dtypes);
    } else {
      if (arg == "--help" || arg == "-h") options.help = true;
      benchmark_args.push_back(argv[i]);
    }
  }
  return options;
}

inline void print_usage() {
  std::printf(
      "convt1d_bench [--shapes FILE] [--dtypes float,half,bfloat16] [benchmark flags]\n"
      "  --shapes FILE   shape file (default %s)\n"
      "  --dtypes LIST   element types to time (default float,half,bfloat16)\n"
      "  Google Benchmark flags follow, e.g. --benchmark_filter=kb64/ "
      "--benchmark_out=FILE --benchmark_out_format=json (min time defaults to 0.2 s)\n\n",
      CONVT1D_BENCH_DEFAULT_SHAPES);
}

// ---- what a case is ----------------------------------------------------------------------------

// The implementation and math mode one benchmark times.
enum class Variant { kCudnnExact, kCudnnTf32, kCudnn, kConvt1d, kConvt1dTf32, kConvt1d3xTf32 };

inline bool is_convt1d(Variant variant) {
  return variant == Variant::kConvt1d || variant == Variant::kConvt1dTf32 ||
         variant == Variant::kConvt1d3xTf32;
}

inline convt1d::MathMode convt1d_math(Variant variant) {
  switch (variant) {
    case Variant::kConvt1dTf32: return convt1d::MathMode::kTF32;
    case Variant::kConvt1d3xTf32: return convt1d::MathMode::k3xTF32;
    default: return convt1d::MathMode::kExact;
  }
}

inline const char* variant_name(Variant variant) {
  switch (variant) {
    case Variant::kCudnnExact: return "cudnn_exact";
    case Variant::kCudnnTf32: return "cudnn_tf32";
    case Variant::kCudnn: return "cudnn";
    case Variant::kConvt1d: return "convt1d";
    case Variant::kConvt1dTf32: return "convt1d_tf32";
    case Variant::kConvt1d3xTf32: return "convt1d_3xtf32";
  }
  return "unknown";
}

inline std::string case_name(const Shape& shape, DType dtype, Variant variant) {
  return shape.name + "/" + dtype_name(dtype) + "/" + variant_name(variant);
}

// The cuDNN case whose math matches a convt1d case's: exact FP32 for float (and 3xTF32, which
// claims float accuracy), TF32 for TF32, tensor cores for half and bfloat16.
inline Variant matching_cudnn_variant(DType dtype, Variant variant) {
  if (dtype != DType::kFloat) return Variant::kCudnn;
  return variant == Variant::kConvt1dTf32 ? Variant::kCudnnTf32 : Variant::kCudnnExact;
}

// Largest rel-L2 error accepted against the double-precision reference (and, for convt1d, against
// cuDNN in the matching math).
inline double tolerance(DType dtype, Variant variant) {
  if (variant == Variant::kCudnnTf32 || variant == Variant::kConvt1dTf32) return 1e-2;
  return dtype == DType::kFloat ? 1e-4 : 2e-2;
}

struct ProblemSizes {
  int64_t x_elements = 0, w_elements = 0, y_elements = 0;
  double flops = 0;  // 2 N C_in (C_out / groups) K L_in: every multiply-add of the scatter form

  explicit ProblemSizes(const convt1d::Problem& p)
      : x_elements(p.batch * p.in_channels * p.in_length),
        w_elements(p.in_channels * (p.out_channels / p.groups) * p.kernel_size),
        y_elements(p.batch * p.out_channels * convt1d::output_length(p)),
        flops(2.0 * static_cast<double>(p.batch) * static_cast<double>(p.in_channels) *
              static_cast<double>(p.out_channels / p.groups) *
              static_cast<double>(p.kernel_size) * static_cast<double>(p.in_length)) {}

  // x and w read once, y written once (no bias in the bench).
  double min_bytes(DType dtype) const {
    return static_cast<double>(x_elements + w_elements + y_elements) *
           static_cast<double>(dtype_bytes(dtype));
  }
};

// The compute ceiling of a case's precision: FP32 FMA peak for exact float (convt1d and cuDNN
// exact), the TF32 GEMM for TF32, a third of it for 3xTF32 (three tensor-core products per
// multiply-add), the BF16 GEMM for half and bfloat16.
inline double compute_ceiling(const Ceilings& ceilings, DType dtype, Variant variant) {
  if (dtype != DType::kFloat) return ceilings.bf16_gemm_flops;
  switch (variant) {
    case Variant::kCudnnTf32:
    case Variant::kConvt1dTf32: return ceilings.tf32_gemm_flops;
    case Variant::kConvt1d3xTf32: return ceilings.tf32_gemm_flops / 3;
    default: return ceilings.fma_peak_flops;
  }
}

inline double floor_seconds(const ProblemSizes& sizes, const Ceilings& ceilings, DType dtype,
                            Variant variant) {
  return std::max(sizes.flops / compute_ceiling(ceilings, dtype, variant),
                  sizes.min_bytes(dtype) / ceilings.copy_bytes_per_second);
}

// ---- shared GPU state --------------------------------------------------------------------------

// What every case shares: the stream, the timing events, cuDNN's handle and workspace.
struct GpuResources {
  UniqueStream stream = make_stream();
  UniqueEvent start = make_event();
  UniqueEvent stop = make_event();
#ifdef CONVT1D_BENCH_HAVE_CUDNN
  UniqueCudnn cudnn = make_cudnn(stream.get());
  // Allocated once, before any case, so no allocation falls inside a timed region.
  DeviceBuffer cudnn_workspace =
      DeviceBuffer::largest_fitting(kCudnnWorkspaceBytes, size_t{16} << 20);
#endif

  void synchronize(const char* what) const {
    check_cuda(cudaStreamSynchronize(stream.get()), what);
  }
};

// rel-L2 distance sqrt(sum (a - b)^2 / sum b^2), accumulated in double.
struct RelativeL2 {
  double squared_error = 0, squared_reference = 0;
  void add(double value, double reference) {
    squared_error += (value - reference) * (value - reference);
    squared_reference += reference * reference;
  }
  double value() const {
    if (squared_reference == 0) return squared_error == 0 ? 0.0 : INFINITY;
    return std::sqrt(squared_error / squared_reference);
  }
};

// rel-L2 of `values` against `reference` over whole device tensors, copied to the host in chunks.
template <class T>
double relative_l2_on_host(const T* values, const T* reference, int64_t count,
                           cudaStream_t stream) {
  constexpr int64_t kChunk = int64_t{1} << 24;
  std::vector<T> value_chunk(static_cast<size_t>(std::min(count, kChunk)));
  std::vector<T> reference_chunk(value_chunk.size());
  RelativeL2 distance;
  for (int64_t offset = 0; offset < count; offset += kChunk) {
    const int64_t length = std::min(kChunk, count - offset);
    const size_t bytes = static_cast<size_t>(length) * sizeof(T);
    check_cuda(cudaMemcpyAsync(value_chunk.data(), values + offset, bytes,
                               cudaMemcpyDeviceToHost, stream),
               "copy output to host");
    check_cuda(cudaMemcpyAsync(reference_chunk.data(), reference + offset, bytes,
                               cudaMemcpyDeviceToHost, stream),
               "copy output to host");
    check_cuda(cudaStreamSynchronize(stream), "copy output to host");
    for (int64_t i = 0; i < length; ++i) {
      distance.add(element_to_float(value_chunk[static_cast<size_t>(i)]),
                   element_to_float(reference_chunk[static_cast<size_t>(i)]));
    }
  }
  return distance.value();
}

// The exact result at a sample of output positions, computed on the host in double from the
// inputs of buffer set 0. Independent of cuDNN, so it also guards cuDNN and works without it.
class ReferenceSample {
 public:
  template <class T>
  ReferenceSample(const convt1d::Problem& p, const T* device_x, const T* device_w,
                  int64_t y_elements, cudaStream_t stream) {
    const ProblemSizes sizes(p);
    std::vector<T> x(static_cast<size_t>(sizes.x_elements));
    std::vector<T> w(static_cast<size_t>(sizes.w_elements));
    check_cuda(cudaMemcpyAsync(x.data(), device_x, x.size() * sizeof(T), cudaMemcpyDeviceToHost,
                               stream),
               "copy x to host");
    check_cuda(cudaMemcpyAsync(w.data(), device_w, w.size() * sizeof(T), cudaMemcpyDeviceToHost,
                               stream),
               "copy w to host");
    check_cuda(cudaStreamSynchronize(stream), "copy inputs to host");

    // Random positions plus the tensor's first and last element and the seam between two rows.
    const int64_t out_length = convt1d::output_length(p);
    indices_ = {0, y_elements - 1, std::min(out_length - 1, y_elements - 1),
                std::min(out_length, y_elements - 1)};
    for (int i = 0; i < kReferenceSamples; ++i) {
      indices_.push_back(static_cast<int64_t>(mix64(0x5eed0000u + static_cast<uint64_t>(i)) %
                                              static_cast<uint64_t>(y_elements)));
    }

    const int64_t in_per_group = p.in_channels / p.groups;
    const int64_t out_per_group = p.out_channels / p.groups;
    for (const int64_t index : indices_) {
      const int64_t n = index / (p.out_channels * out_length);
      const int64_t co = (index / out_length) % p.out_channels;
      const int64_t j = index % out_length;
      const int64_t group = co / out_per_group;
      const int64_t co_local = co % out_per_group;
      double sum = 0;
      for (int64_t ci = group * in_per_group; ci < (group + 1) * in_per_group; ++ci) {
        for (int64_t k = 0; k < p.kernel_size; ++k) {
          // y[j] receives x[t] * w[k] where t * stride - padding + k * dilation == j.
          const int64_t shifted = j + p.padding - k * p.dilation;
          if (shifted < 0 || shifted % p.stride != 0) continue;
          const int64_t t = shifted / p.stride;
          if (t >= p.in_length) continue;
          const T x_value = x[static_cast<size_t>((n * p.in_channels + ci) * p.in_length + t)];
          const T w_value =
              w[static_cast<size_t>((ci * out_per_group + co_local) * p.kernel_size + k)];
          sum += static_cast<double>(element_to_float(x_value)) *
                 static_cast<double>(element_to_float(w_value));
        }
      }
      expected_.push_back(sum);
    }
    device_indices_ = DeviceBuffer(indices_.size() * sizeof(int64_t));
    device_values_ = DeviceBuffer(indices_.size() * sizeof(float));
    check_cuda(cudaMemcpyAsync(device_indices_.data(), indices_.data(),
                               indices_.size() * sizeof(int64_t), cudaMemcpyHostToDevice, stream),
               "copy sample indices");
    check_cuda(cudaStreamSynchronize(stream), "copy sample indices");
  }

  // rel-L2 of a device output against the reference at the sampled positions.
  template <class T>
  double relative_l2(const T* device_y, cudaStream_t stream) const {
    const int count = static_cast<int>(indices_.size());
    gather_as_float_kernel<T><<<(count + 255) / 256, 256, 0, stream>>>(
        device_y, device_indices_.data<int64_t>(), device_values_.data<float>(), count);
    check_cuda(cudaGetLastError(), "gather_as_float_kernel launch");
    std::vector<float> values(indices_.size());
    check_cuda(cudaMemcpyAsync(values.data(), device_values_.data(), values.size() * sizeof(float),
                               cudaMemcpyDeviceToHost, stream),
               "copy sampled outputs");
    check_cuda(cudaStreamSynchronize(stream), "copy sampled outputs");
    RelativeL2 distance;
    for (size_t i = 0; i < values.size(); ++i) distance.add(values[i], expected_[i]);
    return distance.value();
  }

 private:
  std::vector<int64_t> indices_;
  std::vector<double> expected_;
  DeviceBuffer device_indices_, device_values_;
};

// ---- one shape in one dtype --------------------------------------------------------------------

// `count` copies of a tensor, each starting on a 256-byte boundary.
class BufferSets {
 public:
  BufferSets(int64_t elements, size_t element_bytes, int count)
      : stride_bytes_((static_cast<size_t>(elements) * element_bytes + 255) / 256 * 256),
        element_bytes_(element_bytes),
        buffer_(stride_bytes_ * static_cast<size_t>(count)) {}

  template <class T>
  T* get(int set) const {
    return reinterpret_cast<T*>(buffer_.data<char>() + stride_bytes_ * static_cast<size_t>(set));
  }
  // Random data in every set, seeded per tensor role; also the padding between sets.
  template <class T>
  void fill(uint64_t seed, cudaStream_t stream) {
    fill_uniform(buffer_.data<T>(), static_cast<int64_t>(buffer_.bytes() / element_bytes_), seed,
                 stream);
  }

 private:
  size_t stride_bytes_;
  size_t element_bytes_;
  DeviceBuffer buffer_;
};

// Buffer sets of one working set (x + w + y) that together exceed three L2 caches, so a launch
// never finds its inputs left in L2 by the previous launch.
inline int buffer_set_count(const ProblemSizes& sizes, DType dtype, int64_t l2_bytes) {
  const double working_set = sizes.min_bytes(dtype);
  const double sets = std::ceil(3.0 * static_cast<double>(l2_bytes) / working_set);
  return static_cast<int>(std::clamp(sets, 1.0, static_cast<double>(kMaxBufferSets)));
}

struct Convt1dVerdict {
  convt1d::Status status = convt1d::Status::kSuccess;
  double rel_l2_reference = 0;         // sampled positions, vs the double-precision reference
  std::optional<double> rel_l2_cudnn;  // whole output, vs cuDNN in the matching math
  bool passed = false;
  std::string label;
};

#ifdef CONVT1D_BENCH_HAVE_CUDNN
struct CudnnPlan {
  std::unique_ptr<CudnnTransposedConv> conv;  // null when cuDNN cannot run the problem
  std::string error;
  double rel_l2_reference = 0;
  bool passed = false;
};

inline cudnnMathType_t cudnn_math(Variant variant) {
  switch (variant) {
    case Variant::kCudnnExact: return CUDNN_FMA_MATH;
    case Variant::kCudnnTf32: return CUDNN_DEFAULT_MATH;
    default: return CUDNN_TENSOR_OP_MATH;
  }
}
#endif

// The inputs, outputs, cuDNN plans and verdicts of one (shape, dtype); built on first use.
class Workload {
 public:
  Workload(size_t shape_index, const Shape& shape, DType dtype, const DeviceInfo& device,
           GpuResources& gpu)
      : shape_index_(shape_index),
        dtype_(dtype),
        problem_(shape.problem),
        sizes_(shape.problem),
        sets_(buffer_set_count(sizes_, dtype, device.l2_bytes)),
        gpu_(gpu),
        x_(sizes_.x_elements, dtype_bytes(dtype), sets_),
        w_(sizes_.w_elements, dtype_bytes(dtype), sets_),
        y_convt1d_(sizes_.y_elements, dtype_bytes(dtype), sets_),
        y_cudnn_(sizes_.y_elements, dtype_bytes(dtype), sets_) {
    dispatch_dtype(dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      // convt1d gets the workspace it asks for, as cuDNN gets its own: allocated here, outside
      // any timed region, and reused by every call; float's is the largest of its math modes.
      size_t workspace_bytes = 0;
      for (const convt1d::MathMode math :
           {convt1d::MathMode::kExact, convt1d::MathMode::kTF32, convt1d::MathMode::k3xTF32}) {
        workspace_bytes = std::max(workspace_bytes, convt1d::workspace_size<T>(problem_, math));
      }
      convt1d_workspace_ = DeviceBuffer(workspace_bytes);
      x_.fill<T>(1, stream());
      w_.fill<T>(2, stream());
      y_convt1d_.fill<T>(3, stream());  // never zeros: an output left unwritten shows up
      y_cudnn_.fill<T>(4, stream());
    });
    gpu_.synchronize("fill inputs");
  }

  bool is(size_t shape_index, DType dtype) const {
    return shape_index == shape_index_ && dtype == dtype_;
  }
  const convt1d::Problem& problem() const { return problem_; }
  const ProblemSizes& sizes() const { return sizes_; }
  int sets() const { return sets_; }
  cudaStream_t stream() const { return gpu_.stream.get(); }

  template <class T> const T* x(int set) const { return x_.get<T>(set); }
  template <class T> const T* w(int set) const { return w_.get<T>(set); }
  template <class T> T* y_convt1d(int set) const { return y_convt1d_.get<T>(set); }
  template <class T> T* y_cudnn(int set) const { return y_cudnn_.get<T>(set); }

  // What every convt1d call of a variant passes: its math mode and the workspace.
  convt1d::Options convt1d_options(Variant variant) const {
    convt1d::Options options;
    options.math = convt1d_math(variant);
    options.workspace = convt1d_workspace_.data();
    options.workspace_bytes = convt1d_workspace_.bytes();
    return options;
  }

  template <class T>
  const ReferenceSample& reference() {
    if (!reference_) {
      reference_.emplace(problem_, x<T>(0), w<T>(0), sizes_.y_elements, stream());
    }
    return *reference_;
  }

  // Runs convt1d (one variant) once on buffer set 0 and checks it: against the reference at
  // sampled positions, and against cuDNN (matching math) over the whole output when cuDNN can run
  // the problem.
  template <class T>
  const Convt1dVerdict& convt1d_verdict(Variant variant) {
    std::optional<Convt1dVerdict>& cached = verdicts_[variant];
    if (cached) return *cached;
    Convt1dVerdict verdict;
    y_convt1d_.fill<T>(5, stream());
    verdict.status = convt1d::conv_transpose1d<T>(problem_, x<T>(0), w<T>(0), nullptr,
                                                  y_convt1d<T>(0), stream(),
                                                  convt1d_options(variant));
    if (verdict.status != convt1d::Status::kSuccess) {
      verdict.label = std::string("convt1d returned: ") + convt1d::to_string(verdict.status);
      return *(cached = verdict);
    }
    gpu_.synchronize("convt1d (correctness run)");
    const double tol = tolerance(dtype_, variant);
    verdict.rel_l2_reference = reference<T>().relative_l2(y_convt1d<T>(0), stream());
    std::string cudnn_note;
#ifdef CONVT1D_BENCH_HAVE_CUDNN
    const CudnnPlan& plan = cudnn_plan<T>(matching_cudnn_variant(dtype_, variant));
    if (plan.conv && plan.passed) {
      plan.conv->run(x<T>(0), w<T>(0), y_cudnn<T>(0), gpu_.cudnn_workspace.data());
      verdict.rel_l2_cudnn = relative_l2_on_host(y_convt1d<T>(0), y_cudnn<T>(0),
                                                 sizes_.y_elements, stream());
    } else {
      cudnn_note = plan.conv ? " (cuDNN failed its own reference check)" : " (cuDNN cannot run it)";
    }
#else
    cudnn_note = " (no cuDNN)";
#endif
    verdict.passed = verdict.rel_l2_reference <= tol &&
                     (!verdict.rel_l2_cudnn || *verdict.rel_l2_cudnn <= tol);
    char text[160];
    std::snprintf(text, sizeof(text), "%s rel_ref=%.2e", verdict.passed ? "ok" : "MISMATCH",
                  verdict.rel_l2_reference);
    verdict.label = text;
    if (verdict.rel_l2_cudnn) {
      std::snprintf(text, sizeof(text), " rel_cudnn=%.2e", *verdict.rel_l2_cudnn);
      verdict.label += text;
    }
    verdict.label += cudnn_note;
    return *(cached = verdict);
  }

#ifdef CONVT1D_BENCH_HAVE_CUDNN
  // cuDNN in one math mode: Find's choice, run once on buffer set 0 and checked against the
  // reference at sampled positions.
  template <class T>
  const CudnnPlan& cudnn_plan(Variant variant) {
    CudnnPlan& plan = cudnn_plans_[variant];
    if (plan.conv || !plan.error.empty()) return plan;
    try {
      auto conv = std::make_unique<CudnnTransposedConv>(gpu_.cudnn.get(), problem_, dtype_,
                                                         cudnn_math(variant));
      conv->find_algorithm(x<T>(0), w<T>(0), y_cudnn<T>(0), gpu_.cudnn_workspace.data(),
                           gpu_.cudnn_workspace.bytes());
      y_cudnn_.fill<T>(6, stream());
      conv->run(x<T>(0), w<T>(0), y_cudnn<T>(0), gpu_.cudnn_workspace.data());
      gpu_.synchronize("cuDNN (correctness run)");
      plan.rel_l2_reference = reference<T>().relative_l2(y_cudnn<T>(0), stream());
      plan.passed = plan.rel_l2_reference <= tolerance(dtype_, variant);
      plan.conv = std::move(conv);
    } catch (const BenchError& error) {
      plan.error = error.what();
    }
    return plan;
  }
#endif

 private:
  size_t shape_index_;
  DType dtype_;
  convt1d::Problem problem_;
  ProblemSizes sizes_;
  int sets_;
  GpuResources& gpu_;
  BufferSets x_, w_, y_convt1d_, y_cudnn_;
  DeviceBuffer convt1d_workspace_;
  std::optional<ReferenceSample> reference_;
  std::map<Variant, std::optional<Convt1dVerdict>> verdicts_;
#ifdef CONVT1D_BENCH_HAVE_CUDNN
  std::map<Variant, CudnnPlan> cudnn_plans_;
#endif
};

// ---- the benchmarks ----------------------------------------------------------------------------

class BenchContext {
 public:
  BenchContext(DeviceInfo device, std::vector<Shape> shapes)
      : device_(std::move(device)), shapes_(std::move(shapes)) {}

  void measure_ceilings() { ceilings_ = convt1d_bench::measure_ceilings(device_, stream()); }

  const DeviceInfo& device() const { return device_; }
  const Ceilings& ceilings() const { return ceilings_; }
  const std::vector<Shape>& shapes() const { return shapes_; }
  GpuResources& gpu() { return gpu_; }
  cudaStream_t stream() const { return gpu_.stream.get(); }

  // The workload of (shape, dtype); the previous one is freed first, so only one shape's
  // buffers are on the card at a time. Cases are registered grouped by (shape, dtype).
  Workload& workload(size_t shape_index, DType dtype) {
    if (!workload_ || !workload_->is(shape_index, dtype)) {
      workload_.reset();
      workload_ = std::make_unique<Workload>(shape_index, shapes_[shape_index], dtype, device_,
                                             gpu_);
    }
    return *workload_;
  }

  // Median seconds of the last timed run of each case, for the speedup of the cases after it.
  std::map<std::string, double>& median_seconds() { return median_seconds_; }

 private:
  DeviceInfo device_;
  std::vector<Shape> shapes_;
  GpuResources gpu_;
  Ceilings ceilings_;
  std::unique_ptr<Workload> workload_;
  std::map<std::string, double> median_seconds_;
};

// Warm-up, then one CUDA-event-timed launch per iteration, cycling through the buffer sets.
// Google Benchmark reports the mean; the median (returned, 0 when nothing ran) is what the
// counters, the speedups and the report use, as it shrugs off a stray slow launch.
template <class Launch>
double timed_loop(benchmark::State& state, GpuResources& gpu, int sets, Launch&& launch) {
  const int warmup = std::max(3, sets);
  for (int i = 0; i < warmup; ++i) launch(i % sets);
  gpu.synchronize("warm-up");
  std::vector<double> times;
  for (auto _ : state) {
    const int set = static_cast<int>(times.size() % static_cast<size_t>(sets));
    check_cuda(cudaEventRecord(gpu.start.get(), gpu.stream.get()), "cudaEventRecord");
    launch(set);
    check_cuda(cudaEventRecord(gpu.stop.get(), gpu.stream.get()), "cudaEventRecord");
    const double seconds = elapsed_seconds(gpu.start.get(), gpu.stop.get());
    state.SetIterationTime(seconds);
    times.push_back(seconds);
  }
  if (times.empty()) return 0.0;
  std::sort(times.begin(), times.end());
  const size_t middle = times.size() / 2;
  return times.size() % 2 == 1 ? times[middle] : 0.5 * (times[middle - 1] + times[middle]);
}

template <class T>
void time_case(benchmark::State& state, BenchContext& context, size_t shape_index,
               Variant variant) {
  constexpr DType dtype = kDTypeOf<T>;
  const Shape& shape = context.shapes()[shape_index];
  Workload& work = context.workload(shape_index, dtype);
  const convt1d::Problem& problem = work.problem();
  cudaStream_t stream = context.stream();
  double median_seconds = 0;

  if (is_convt1d(variant)) {
    const Convt1dVerdict& verdict = work.convt1d_verdict<T>(variant);
    if (verdict.status != convt1d::Status::kSuccess) {
      state.SkipWithError(verdict.label.c_str());
      return;
    }
    const convt1d::Options options = work.convt1d_options(variant);
    median_seconds = timed_loop(state, context.gpu(), work.sets(), [&](int set) {
      const convt1d::Status status = convt1d::conv_transpose1d<T>(
          problem, work.x<T>(set), work.w<T>(set), nullptr, work.y_convt1d<T>(set), stream,
          options);
      if (status != convt1d::Status::kSuccess) {
        throw BenchError(std::string("convt1d returned: ") + convt1d::to_string(status));
      }
    });
    state.SetLabel(verdict.label);
    state.counters["mismatch"] = verdict.passed ? 0 : 1;
    state.counters["rel_l2_ref"] = verdict.rel_l2_reference;
    if (verdict.rel_l2_cudnn) state.counters["rel_l2_cudnn"] = *verdict.rel_l2_cudnn;
    // Speedups over the cuDNN cases of this shape, timed just before.
    const auto add_speedup = [&](Variant baseline, const char* time_key, const char* speedup_key) {
      const auto found = context.median_seconds().find(case_name(shape, dtype, baseline));
      if (found == context.median_seconds().end() || median_seconds <= 0) return;
      state.counters[time_key] = found->second * 1e6;
      state.counters[speedup_key] = found->second / median_seconds;
    };
    add_speedup(matching_cudnn_variant(dtype, variant), "cudnn_us", "speedup_vs_cudnn");
    if (dtype == DType::kFloat && variant == Variant::kConvt1d) {
      add_speedup(Variant::kCudnnTf32, "cudnn_tf32_us", "speedup_vs_cudnn_tf32");
    }
  } else {
#ifdef CONVT1D_BENCH_HAVE_CUDNN
    const CudnnPlan& plan = work.cudnn_plan<T>(variant);
    if (!plan.conv) {
      state.SkipWithError(("cuDNN: " + plan.error).c_str());
      return;
    }
    void* workspace = context.gpu().cudnn_workspace.data();
    median_seconds = timed_loop(state, context.gpu(), work.sets(), [&](int set) {
      plan.conv->run(work.x<T>(set), work.w<T>(set), work.y_cudnn<T>(set), workspace);
    });
    char text[64];
    std::snprintf(text, sizeof(text), " rel_ref=%.2e", plan.rel_l2_reference);
    state.SetLabel((plan.passed ? "" : "MISMATCH ") + plan.conv->description() + text);
    state.counters["mismatch"] = plan.passed ? 0 : 1;
    state.counters["rel_l2_ref"] = plan.rel_l2_reference;
    state.counters["workspace_MiB"] = static_cast<double>(plan.conv->workspace_bytes()) / (1 << 20);
    state.counters["algo"] = static_cast<double>(plan.conv->algo());
    context.median_seconds()[case_name(shape, dtype, variant)] = median_seconds;
#else
    state.SkipWithError("built without cuDNN");
    return;
#endif
  }

  if (median_seconds <= 0) return;
  const ProblemSizes& sizes = work.sizes();
  state.counters["median_us"] = median_seconds * 1e6;
  const double floor = floor_seconds(sizes, context.ceilings(), dtype, variant);
  state.counters["GB/s"] = sizes.min_bytes(dtype) / median_seconds * 1e-9;
  state.counters["TFLOP/s"] = sizes.flops / median_seconds * 1e-12;
  state.counters["floor_us"] = floor * 1e6;
  state.counters["pct_floor"] = 100.0 * floor / median_seconds;
  state.counters["buffer_sets"] = work.sets();
}

inline void run_case(benchmark::State& state, BenchContext& context, size_t shape_index,
                     DType dtype, Variant variant) {
  try {
    dispatch_dtype(dtype, [&](auto tag) {
      time_case<typename decltype(tag)::type>(state, context, shape_index, variant);
    });
  } catch (const std::exception& error) {
    state.SkipWithError(error.what());
  }
}

inline void register_cases(BenchContext& context, const std::vector<DType>& dtypes) {
  for (size_t shape_index = 0; shape_index < context.shapes().size(); ++shape_index) {
    for (const DType dtype : dtypes) {
      std::vector<Variant> variants;
#ifdef CONVT1D_BENCH_HAVE_CUDNN
      if (dtype == DType::kFloat) {
        variants.push_back(Variant::kCudnnExact);
        variants.push_back(Variant::kCudnnTf32);
      } else {
        variants.push_back(Variant::kCudnn);
      }
#endif
      // Last: their speedups need the cuDNN times.
      variants.push_back(Variant::kConvt1d);
      if (dtype == DType::kFloat) {
        variants.push_back(Variant::kConvt1dTf32);
        variants.push_back(Variant::kConvt1d3xTf32);
      }
      for (const Variant variant : variants) {
        const std::string name = case_name(context.shapes()[shape_index], dtype, variant);
        benchmark::RegisterBenchmark(name.c_str(),
                                     [&context, shape_index, dtype, variant](benchmark::State& s) {
                                       run_case(s, context, shape_index, dtype, variant);
                                     })
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
}

// ---- the run's context: card, commit, ceilings -------------------------------------------------

inline std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), pattern, value);
  return text;
}

inline std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

inline std::string git_commit() {
  const char* from_environment = std::getenv("CONVT1D_GIT_COMMIT");
  return from_environment && *from_environment ? from_environment : CONVT1D_BENCH_GIT_COMMIT;
}

// Prints the ceilings at the top of the output and records them in the JSON context.
inline void report_context(BenchContext& context, const Options& options) {
  const DeviceInfo& device = context.device();
  const Ceilings& ceilings = context.ceilings();
  int runtime_version = 0, driver_version = 0;
  check_cuda(cudaRuntimeGetVersion(&runtime_version), "cudaRuntimeGetVersion");
  check_cuda(cudaDriverGetVersion(&driver_version), "cudaDriverGetVersion");
#ifdef CONVT1D_BENCH_HAVE_CUDNN
  const std::string cudnn_version = std::to_string(cudnnGetVersion());
  const double workspace_mib =
      static_cast<double>(context.gpu().cudnn_workspace.bytes()) / (1 << 20);
#endif
  const std::vector<std::pair<std::string, std::string>> entries = {
      {"card", device.name},
      {"compute_capability", std::to_string(device.major) + "." + std::to_string(device.minor)},
      {"sm_count", std::to_string(device.sm_count)},
      {"sm_clock_mhz", format("%.0f", device.clock_khz / 1e3)},
      {"l2_bytes", std::to_string(device.l2_bytes)},
      {"git_commit", git_commit()},
      {"run_date_utc", utc_now()},
      {"shapes_file", options.shapes_path},
      {"cuda_runtime_version", std::to_string(runtime_version)},
      {"cuda_driver_version", std::to_string(driver_version)},
#ifdef CONVT1D_BENCH_HAVE_CUDNN
      {"cudnn_version", cudnn_version},
      {"cudnn_workspace_MiB", format("%.0f", workspace_mib)},
#else
      {"cudnn_version", "none (built without cuDNN)"},
#endif
      {"copy_GBps", format("%.1f", ceilings.copy_bytes_per_second * 1e-9)},
      {"copy_buffer_MiB",
       format("%.0f", static_cast<double>(ceilings.copy_buffer_bytes) / (1 << 20))},
      {"fma_peak_TFLOPs", format("%.2f", ceilings.fma_peak_flops * 1e-12)},
      {"sgemm_TFLOPs", format("%.2f", ceilings.sgemm_flops * 1e-12)},
      {"tf32_gemm_TFLOPs", format("%.2f", ceilings.tf32_gemm_flops * 1e-12)},
      {"bf16_gemm_TFLOPs", format("%.2f", ceilings.bf16_gemm_flops * 1e-12)},
      {"floor_ceilings",
       "float convt1d and cudnn_exact: fma_peak; cudnn_tf32: tf32_gemm; half and bfloat16: "
       "bf16_gemm; bytes: copy"},
  };
  for (const auto& [key, value] : entries) benchmark::AddCustomContext(key, value);

  std::printf("convt1d_bench on %s (sm_%d%d, %d SMs, %d MHz, L2 %.0f MiB), commit %s, %s\n",
              device.name.c_str(), device.major, device.minor, device.sm_count,
              device.clock_khz / 1000, static_cast<double>(device.l2_bytes) / (1 << 20),
              git_commit().c_str(), utc_now().c_str());
  std::printf("ceilings: device copy %.0f GB/s (read + write, %.0f MiB buffer, median)\n",
              ceilings.copy_bytes_per_second * 1e-9,
              static_cast<double>(ceilings.copy_buffer_bytes) / (1 << 20));
  std::printf("          FP32 FMA peak %.1f TFLOP/s (theoretical: %d SMs x %d lanes x 2 x %d "
              "MHz)\n",
              ceilings.fma_peak_flops * 1e-12, device.sm_count, fp32_lanes_per_sm(device),
              device.clock_khz / 1000);
  std::printf("          cuBLAS 8192^3: SGEMM %.1f (%.0f%% of FMA peak), TF32 %.1f, BF16 %.1f "
              "TFLOP/s (median)\n",
              ceilings.sgemm_flops * 1e-12, 100.0 * ceilings.sgemm_flops / ceilings.fma_peak_flops,
              ceilings.tf32_gemm_flops * 1e-12, ceilings.bf16_gemm_flops * 1e-12);
  std::printf("floors: max(FLOPs / ceiling, bytes / copy); ceiling = FMA peak for float convt1d "
              "and cudnn_exact, TF32 GEMM for cudnn_tf32, BF16 GEMM for half and bfloat16\n");
#ifdef CONVT1D_BENCH_HAVE_CUDNN
  std::printf("cuDNN %s: cudnnConvolutionBackwardData, algorithm by "
              "cudnnFindConvolutionBackwardDataAlgorithmEx with a %.0f MiB workspace\n",
              cudnn_version.c_str(), workspace_mib);
#else
  std::printf("cuDNN: not found at build time (CONVT1D_BENCH_HAVE_CUDNN unset): timing convt1d "
              "alone, checked against the host reference only\n");
#endif
  std::printf("shapes: %s (%zu shapes)\n\n", options.shapes_path.c_str(),
              context.shapes().size());
  std::fflush(stdout);
}

}  // namespace convt1d_bench

int main(int argc, char** argv) {
  using namespace convt1d_bench;
  std::vector<char*> benchmark_args;
  Options options;
  std::vector<Shape> shapes;
  try {
    options = strip_options(argc, argv, benchmark_args);
    if (!options.help) shapes = read_shape_file(options.shapes_path);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "convt1d_bench: %s\n", error.what());
    return 1;
  }
  if (options.help) {
    print_usage();
    int count = static_cast<int>(benchmark_args.size());
    benchmark::Initialize(&count, benchmark_args.data());  // prints its flags and exits
    return 0;
  }

  int device_count = 0;
  const cudaError_t device_error = cudaGetDeviceCount(&device_count);
  if (device_error != cudaSuccess || device_count == 0) {
    std::fprintf(stderr,
                 "convt1d_bench: no CUDA device available (%s); the benchmark needs a GPU.\n",
                 device_error != cudaSuccess ? cudaGetErrorString(device_error)
                                             : "no devices found");
    return 1;
  }

  int count = static_cast<int>(benchmark_args.size());
  benchmark::Initialize(&count, benchmark_args.data());
  if (benchmark::ReportUnrecognizedArguments(count, benchmark_args.data())) return 1;

  try {
    check_cuda(cudaSetDevice(0), "cudaSetDevice");
    auto context = std::make_unique<BenchContext>(query_device(0), std::move(shapes));
    context->measure_ceilings();
    report_context(*context, options);
    register_cases(*context, options.dtypes);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "convt1d_bench: %s\n", error.what());
    return 1;
  }
  return 0;
}

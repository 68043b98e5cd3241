// GPU tests of convt1d::conv_transpose1d, the public entry point, for every element type:
// a random sweep against the CPU reference, the public benchmark shapes, invalid problems,
// misaligned pointers, two concurrent streams, CUDA graph capture, determinism and an output of
// more than 2^32 elements.
//
// Every output buffer is filled with NaN (all bytes 0xFF) before a launch and followed by a guard
// of such elements: a NaN left in y is reported as an "unwritten element", a changed guard as a
// "write outside y".
//
// Runs: `convt1d_gpu_tests` runs all (the CPU references take most of the time);
// `convt1d_gpu_tests "~[large]"` is the quick subset meant for compute-sanitizer.
// A failing randomized problem prints CONVT1D_TEST_SEED and CONVT1D_TEST_INDEX: set both to run
// that one problem again (with the failing test's name as the test filter).
#include <catch2/catch.hpp>

#include <convt1d/convt1d.cuh>
#include <convt1d/reference.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <cuda/std/type_traits>

#include "test_support.cuh"

namespace {

using convt1d::MathMode;
using convt1d::Problem;
using convt1d::Status;
using namespace convt1d_test;

// Poisoned elements after y that must stay poisoned.
constexpr int64_t kGuardElements = 64;

int64_t x_elements(const Problem& p) { return p.batch * p.in_channels * p.in_length; }
int64_t w_elements(const Problem& p) {
  return p.in_channels * (p.out_channels / p.groups) * p.kernel_size;
}
int64_t y_elements(const Problem& p) {
  return p.batch * p.out_channels * convt1d::output_length(p);
}

std::string position(const Problem& p, int64_t flat) {
  const int64_t out_length = convt1d::output_length(p);
  std::ostringstream os;
  os << "y[n=" << flat / (p.out_channels * out_length)
     << ", co=" << (flat / out_length) % p.out_channels << ", j=" << flat % out_length
     << "] (flat index " << flat << ")";
  return os.str();
}

// ---------------------------------------------------------------------------------------------
// A problem with inputs drawn in [-1, 1] and rounded to T on the host, so that the device and the
// reference see the same values.

template <class T>
struct HostCase {
  Problem problem;
  bool with_bias = false;
  convt1d::MathMode math = convt1d::MathMode::kExact;
  // Bytes of workspace to pass (poisoned before each run, one byte past a cudaMalloc'd base so
  // that the library aligns it); 0: none.
  size_t workspace_bytes = 0;
  std::vector<T> x, w, bias;
};

template <class T>
HostCase<T> make_host_case(const Problem& p, bool with_bias, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  auto draw = [&](int64_t count) {
    std::vector<T> values(static_cast<size_t>(count));
    for (T& v : values) v = from_double<T>(value(rng));
    return values;
  };
  HostCase<T> host;
  host.problem = p;
  host.with_bias = with_bias;
  host.x = draw(x_elements(p));
  host.w = draw(w_elements(p));
  host.bias = draw(with_bias ? p.out_channels : 0);
  return host;
}

struct ReferenceOutput {
  std::vector<double> value;      // y in float64
  std::vector<double> magnitude;  // per output, the sum of the absolute values of its terms
};

// convt1d::reference run in double on the inputs upcast from T: the float64 answer for exactly
// the values the device was given, whatever T.
template <class T>
ReferenceOutput reference_output(const HostCase<T>& host) {
  const Problem& p = host.problem;
  const std::vector<double> x = to_doubles(host.x), w = to_doubles(host.w),
                            bias = to_doubles(host.bias);
  const std::vector<double> abs_x = absolute(x), abs_w = absolute(w), abs_bias = absolute(bias);
  ReferenceOutput out;
  out.value.resize(static_cast<size_t>(y_elements(p)));
  out.magnitude.resize(out.value.size());
  REQUIRE(convt1d::reference::conv_transpose1d<double>(p, x.data(), w.data(),
                                                       host.with_bias ? bias.data() : nullptr,
                                                       out.value.data()) == Status::kSuccess);
  REQUIRE(convt1d::reference::conv_transpose1d<double>(p, abs_x.data(), abs_w.data(),
                                                       host.with_bias ? abs_bias.data() : nullptr,
                                                       out.magnitude.data()) == Status::kSuccess);
  return out;
}

// Element offsets of the device pointers from their cudaMalloc'd (256-byte aligned) base.
struct Offsets {
  int64_t x = 0, w = 0, bias = 0, y = 0;
};

std::string describe_offsets(const Offsets& o) {
  std::ostringstream os;
  os << "element offsets x+" << o.x << " w+" << o.w << " bias+" << o.bias << " y+" << o.y;
  return os.str();
}

// The device side of a HostCase. y's buffer is [offset | y | guard], all of it poisoned; so is
// the workspace, so that a read of packed weights the library did not write shows as NaN.
template <class T>
class DeviceCase {
 public:
  explicit DeviceCase(const HostCase<T>& host, Offsets offsets = {})
      : host_(host),
        offsets_(offsets),
        x_(offsets.x + x_elements(host.problem)),
        w_(offsets.w + w_elements(host.problem)),
        bias_(offsets.bias + static_cast<int64_t>(host.bias.size())),
        y_(offsets.y + y_elements(host.problem) + kGuardElements),
        workspace_(host.workspace_bytes > 0 ? static_cast<int64_t>(host.workspace_bytes) + 1
                                            : 0) {}

  // Copies the inputs and poisons y and the workspace, in `stream` order.
  void upload(cudaStream_t stream) {
    copy_to_device(x_.data() + offsets_.x, host_.x, stream);
    copy_to_device(w_.data() + offsets_.w, host_.w, stream);
    copy_to_device(bias_.data() + offsets_.bias, host_.bias, stream);
    poison(workspace_.data(), workspace_.size(), stream);
    poison_y(stream);
  }

  void poison_y(cudaStream_t stream) { poison(y_.data(), y_.size(), stream); }

  // Another way to run the problem than the public entry point (a kernel chosen by the test).
  using Launcher = Status (*)(const Problem&, const T* x, const T* w, const T* bias, T* y,
                              cudaStream_t, const convt1d::Options&);

  Status launch(cudaStream_t stream, Launcher launcher = nullptr) {
    const T* bias = host_.with_bias ? bias_.data() + offsets_.bias : nullptr;
    convt1d::Options options;
    options.math = host_.math;
    if (host_.workspace_bytes > 0) {
      options.workspace = workspace_.data() + 1;
      options.workspace_bytes = host_.workspace_bytes;
    }
    if (launcher != nullptr) {
      return launcher(host_.problem, x_.data() + offsets_.x, w_.data() + offsets_.w, bias,
                      y_.data() + offsets_.y, stream, options);
    }
    return convt1d::conv_transpose1d<T>(host_.problem, x_.data() + offsets_.x,
                                        w_.data() + offsets_.w, bias, y_.data() + offsets_.y,
                                        stream, options);
  }

  // The whole y buffer, offset and guard included; waits for `stream`.
  std::vector<T> download(cudaStream_t stream) const {
    return copy_to_host(y_.data(), y_.size(), stream);
  }

 private:
  const HostCase<T>& host_;
  Offsets offsets_;
  DeviceBuffer<T> x_, w_, bias_, y_;
  DeviceBuffer<unsigned char> workspace_;
};

template <class T>
NanCount count_nan(const std::vector<T>& buffer, int64_t offset, int64_t count) {
  NanCount nan;
  for (int64_t i = 0; i < count; ++i) {
    if (std::isnan(to_double(buffer[static_cast<size_t>(offset + i)]))) {
      if (nan.count == 0) nan.first = i;
      ++nan.count;
    }
  }
  return nan;
}

// Checks a downloaded y buffer ([y_offset elements | y | guard]): guards intact, no NaN left,
// relative L2 error against the float64 reference within tolerance<T>. Returns the error.
template <class T>
Accuracy check_output(const HostCase<T>& host, const std::vector<T>& buffer, int64_t y_offset) {
  const Problem& p = host.problem;
  const int64_t count = y_elements(p);
  REQUIRE(static_cast<int64_t>(buffer.size()) == y_offset + count + kGuardElements);

  if (!all_bytes_equal(buffer.data(), y_offset, 0xFF) ||
      !all_bytes_equal(buffer.data() + y_offset + count, kGuardElements, 0xFF)) {
    FAIL("write outside y: an element just before or after the " << count
                                                                 << " elements of y changed");
  }
  const NanCount nan = count_nan(buffer, y_offset, count);
  if (nan.count > 0) {
    FAIL("unwritten element: " << nan.count << " of " << count
                               << " outputs are still NaN (y was filled with NaN before the "
                                  "call); the first is "
                               << position(p, nan.first));
  }

  const ReferenceOutput expected = reference_output(host);
  std::vector<double> got(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    got[static_cast<size_t>(i)] = to_double(buffer[static_cast<size_t>(y_offset + i)]);
  }
  const int64_t terms = max_terms_per_output(p, host.with_bias);
  const Accuracy accuracy = relative_error(got, expected.value, expected.magnitude, terms);
  const double bound = tolerance<T>(terms, host.math);
  INFO(type_name<T>() << ", " << math_name(host.math) << ": relative L2 error "
                      << accuracy.relative_error << ", tolerance " << bound << " (" << terms
                      << " terms per output)");
  if (accuracy.worst >= 0) {
    INFO("largest difference at " << position(p, accuracy.worst) << ": got " << accuracy.worst_got
                                  << ", expected " << accuracy.worst_expected);
    REQUIRE(accuracy.relative_error <= bound);
  }
  return accuracy;
}

// Upload, poison, launch on `stream`, download and check.
template <class T>
Accuracy run_and_check(const HostCase<T>& host, Offsets offsets = {},
                       cudaStream_t stream = nullptr,
                       typename DeviceCase<T>::Launcher launcher = nullptr) {
  DeviceCase<T> device(host, offsets);
  device.upload(stream);
  REQUIRE(device.launch(stream, launcher) == Status::kSuccess);
  REQUIRE_CUDA(cudaGetLastError());
  const std::vector<T> buffer = device.download(stream);
  REQUIRE_CUDA(cudaGetLastError());
  return check_output(host, buffer, offsets.y);
}

// ---------------------------------------------------------------------------------------------
// The random sweep

// Which problems of the generator a sweep runs, and with which workspace.
enum class SweepWorkspace {
  kAlternate,   // every problem; every other one with the workspace it asks for
  kPackedOnly,  // only problems that use a workspace (workspace_size() > 0), with it
};

// Returns the relative L2 error of all the sweep's outputs together (each problem weighted by its
// scale). With kPackedOnly, `problems` counts the packing problems run (the generator makes
// about one in twenty).
template <class T>
double run_sweep(uint64_t sweep_id, int64_t problems, const SweepLimits& limits,
                 convt1d::MathMode math = convt1d::MathMode::kExact,
                 SweepWorkspace workspace = SweepWorkspace::kAlternate) {
  const bool packed_only = workspace == SweepWorkspace::kPackedOnly;
  const uint64_t base = base_seed();
  int64_t first = 0, last = packed_only ? problems * 200 : problems;
  const char* only = std::getenv("CONVT1D_TEST_INDEX");
  if (only != nullptr) {
    first = std::strtoll(only, nullptr, 0);
    last = first + 1;
  }
  double error2 = 0, scale2 = 0;
  int64_t packed = 0;
  for (int64_t index = first; index < last && !(packed_only && packed == problems); ++index) {
    const uint64_t seed = case_seed(base, sweep_id * 16 + type_tag<T>(), index);
    std::mt19937_64 rng(seed);
    const SweepCase sweep_case = draw_sweep_case(index, rng, limits);
    const size_t workspace_bytes = convt1d::workspace_size<T>(sweep_case.problem, math);
    if (packed_only && workspace_bytes == 0) continue;
    ++packed;
    INFO(type_name<T>() << " (" << math_name(math) << ") sweep problem " << index << " of "
                        << problems << ": "
                        << describe(sweep_case.problem)
                        << (sweep_case.with_bias ? " with bias" : " without bias"));
    INFO("replay it alone: CONVT1D_TEST_SEED=" << base << " CONVT1D_TEST_INDEX=" << index
                                               << " (its own seed is " << seed << ")");
    HostCase<T> host = make_host_case<T>(sweep_case.problem, sweep_case.with_bias, rng);
    host.math = math;
    // Every other problem with the workspace it asks for (packed weights where it asks for any).
    if (packed_only || index % 2 == 1) host.workspace_bytes = workspace_bytes;
    INFO("workspace of " << host.workspace_bytes << " bytes");
    const Accuracy accuracy = run_and_check(host);
    error2 += accuracy.error_norm * accuracy.error_norm;
    scale2 += accuracy.scale * accuracy.scale;
  }
  if (packed_only && only == nullptr) REQUIRE(packed == problems);
  return scale2 > 0 ? std::sqrt(error2 / scale2) : 0.0;
}

// ---------------------------------------------------------------------------------------------
// Sampled checks of large problems: x is a hash pattern written on the device (nothing to copy),
// w and bias are random and uploaded; chosen outputs are compared with gather_output().

struct SampledRun {
  Problem problem;
  bool with_bias = true;
  std::vector<int64_t> centers;  // flat y positions checked together with their 64 neighbours
                                 // on each side
  int64_t random_samples = 4000;
  bool skip_if_out_of_memory = false;
  MathMode math = MathMode::kExact;
  bool with_workspace = false;  // pass workspace_size<float>() bytes (poisoned first)
};

void run_sampled_check(const SampledRun& run, uint64_t seed) {
  const Problem& p = run.problem;
  REQUIRE(convt1d::validate(p) == Status::kSuccess);
  const int64_t y_count = y_elements(p);
  const int64_t out_length = convt1d::output_length(p);
  const size_t workspace_bytes = run.with_workspace ? convt1d::workspace_size<float>(p, run.math) : 0;
  INFO("float (" << math_name(run.math) << "), " << describe(p)
                 << (run.with_bias ? " with bias" : " without bias") << ", workspace of "
                 << workspace_bytes << " bytes, seed " << seed);

  DeviceBuffer<float> x, w, bias, y;
  DeviceBuffer<unsigned char> workspace(static_cast<int64_t>(workspace_bytes));
  cudaError_t error = x.try_allocate(x_elements(p));
  if (error == cudaSuccess) error = w.try_allocate(w_elements(p));
  if (error == cudaSuccess) error = bias.try_allocate(run.with_bias ? p.out_channels : 0);
  if (error == cudaSuccess) error = y.try_allocate(y_count + kGuardElements);
  if (error == cudaErrorMemoryAllocation && run.skip_if_out_of_memory) {
    (void)cudaGetLastError();  // the failed cudaMalloc is not sticky; clear it for later tests
    const double gigabytes =
        static_cast<double>((x_elements(p) + y_count) * static_cast<int64_t>(sizeof(float))) / 1e9;
    WARN("SKIPPED (not failed): cudaMalloc failed with cudaErrorMemoryAllocation; this test "
         << "needs about " << gigabytes << " GB of free device memory");
    return;
  }
  REQUIRE_CUDA(error);

  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  std::vector<float> host_w(static_cast<size_t>(w.size()));
  std::vector<float> host_bias(static_cast<size_t>(bias.size()));
  for (float& v : host_w) v = static_cast<float>(value(rng));
  for (float& v : host_bias) v = static_cast<float>(value(rng));
  const uint64_t x_seed = mix64(seed);

  const cudaStream_t stream = nullptr;
  fill_pattern(x.data(), x.size(), x_seed, stream);
  copy_to_device(w.data(), host_w, stream);
  copy_to_device(bias.data(), host_bias, stream);
  poison(y.data(), y.size(), stream);
  poison(workspace.data(), workspace.size(), stream);
  convt1d::Options options;
  options.math = run.math;
  options.workspace = workspace.data();
  options.workspace_bytes = workspace.bytes();
  REQUIRE(convt1d::conv_transpose1d<float>(p, x.data(), w.data(),
                                           run.with_bias ? bias.data() : nullptr, y.data(),
                                           stream, options) == Status::kSuccess);
  REQUIRE_CUDA(cudaGetLastError());
  REQUIRE_CUDA(cudaDeviceSynchronize());

  const NanCount nan = count_nan_on_device(y.data(), y_count, stream);
  if (nan.count > 0) {
    FAIL("unwritten element: " << nan.count << " of " << y_count
                               << " outputs are still NaN (y was filled with NaN before the "
                                  "call); the first is "
                               << position(p, nan.first));
  }
  const std::vector<float> guard = copy_to_host(y.data() + y_count, kGuardElements, stream);
  if (!all_bytes_equal(guard.data(), kGuardElements, 0xFF)) {
    FAIL("write outside y: an element just after the " << y_count << " elements of y changed");
  }

  std::vector<int64_t> positions;
  for (const int64_t center : run.centers) {
    for (int64_t i = center - 64; i < center + 64; ++i) {
      if (i >= 0 && i < y_count) positions.push_back(i);
    }
  }
  std::uniform_int_distribution<int64_t> anywhere(0, y_count - 1);
  for (int64_t s = 0; s < run.random_samples; ++s) positions.push_back(anywhere(rng));
  const std::vector<float> sampled = gather_on_device(y.data(), positions, stream);

  auto x_at = [x_seed](int64_t i) { return static_cast<double>(pattern_value(x_seed, i)); };
  auto w_at = [&host_w](int64_t i) { return static_cast<double>(host_w[static_cast<size_t>(i)]); };
  std::vector<double> got(positions.size()), expected(positions.size()),
      magnitude(positions.size());
  for (size_t s = 0; s < positions.size(); ++s) {
    const int64_t flat = positions[s];
    const int64_t n = flat / (p.out_channels * out_length);
    const int64_t co = (flat / out_length) % p.out_channels;
    const int64_t j = flat % out_length;
    const double b = run.with_bias ? static_cast<double>(host_bias[static_cast<size_t>(co)]) : 0.0;
    const OutputValue reference = gather_output(p, n, co, j, x_at, w_at, b);
    got[s] = static_cast<double>(sampled[s]);
    expected[s] = reference.value;
    magnitude[s] = reference.magnitude;
  }
  const int64_t terms = max_terms_per_output(p, run.with_bias);
  const Accuracy accuracy = relative_error(got, expected, magnitude, terms);
  const double bound = tolerance<float>(terms, run.math);
  INFO(positions.size() << " sampled outputs: relative L2 error " << accuracy.relative_error
                        << ", tolerance " << bound << " (" << terms << " terms per output)");
  REQUIRE(accuracy.worst >= 0);
  INFO("largest difference at " << position(p, positions[static_cast<size_t>(accuracy.worst)])
                                << ": got " << accuracy.worst_got << ", expected "
                                << accuracy.worst_expected);
  REQUIRE(accuracy.relative_error <= bound);
}

// The public benchmark suite, /work/shared/shapes/public.txt (bench/ has the same rows).
struct Shape {
  const char* name;
  int64_t batch, in_channels, out_channels, kernel_size, in_length, stride, padding, output_padding,
      dilation, groups;

  Problem problem() const {
    Problem p;
    p.batch = batch;
    p.in_channels = in_channels;
    p.out_channels = out_channels;
    p.kernel_size = kernel_size;
    p.in_length = in_length;
    p.stride = stride;
    p.padding = padding;
    p.output_padding = output_padding;
    p.dilation = dilation;
    p.groups = groups;
    return p;
  }
};

// clang-format off
constexpr Shape kPublicShapes[] = {
    // name              N  C_in C_out  K    L_in stride padding output_padding dilation groups
    {"kb64",            64,  128,  128,  3,  65536,  1, 0, 0, 1, 1},
    {"kb74",            32,   32,   64,  5, 131072,  1, 0, 0, 3, 1},
    {"kb79",            16,   32,   64,  3, 131072,  2, 1, 0, 2, 1},
    {"kb64_small",      16,   64,    3,  3,    128,  1, 0, 0, 1, 1},
    {"hifigan_up0",      1,  512,  256, 16,    862,  8, 4, 0, 1, 1},
    {"hifigan_up1",      1,  256,  128, 16,   6896,  8, 4, 0, 1, 1},
    {"hifigan_up2",      1,  128,   64,  4,  55168,  2, 1, 0, 1, 1},
    {"hifigan_up3",      1,   64,   32,  4, 110336,  2, 1, 0, 1, 1},
    {"dac_up0",          1, 1536,  768, 16,    862,  8, 4, 0, 1, 1},
    {"dac_up1",          1,  768,  384, 16,   6896,  8, 4, 0, 1, 1},
    {"dac_up2",          1,  384,  192,  8,  55168,  4, 2, 0, 1, 1},
    {"dac_up3",          1,  192,   96,  4, 220672,  2, 1, 0, 1, 1},
    {"encodec_up0",      1,  512,  256, 16,    750,  8, 0, 0, 1, 1},
    {"encodec_up1",      1,  256,  128, 10,   6000,  5, 0, 0, 1, 1},
    {"encodec_up2",      1,  128,   64,  8,  30000,  4, 0, 0, 1, 1},
    {"encodec_up3",      1,   64,   32,  4, 120000,  2, 0, 0, 1, 1},
    {"hifigan_b16_up0", 16,  512,  256, 16,     32,  8, 4, 0, 1, 1},
};
// clang-format on

}  // namespace

// ---------------------------------------------------------------------------------------------

TEST_CASE("gather: host gather oracle agrees with convt1d::reference", "[gather][oracle]") {
  // The sampled tests below trust gather_output(); tie it to the reference on whole outputs.
  const SweepLimits limits{100'000, 100'000, 40'000'000};
  for (int64_t index = 0; index < 70; ++index) {
    std::mt19937_64 rng(case_seed(base_seed(), 7, index));
    const SweepCase drawn = draw_sweep_case(index, rng, limits);
    const HostCase<double> host = make_host_case<double>(drawn.problem, drawn.with_bias, rng);
    const Problem& p = host.problem;
    INFO(describe(p) << (host.with_bias ? " with bias" : " without bias"));
    const ReferenceOutput reference = reference_output(host);
    const int64_t out_length = convt1d::output_length(p);
    auto x_at = [&host](int64_t i) { return host.x[static_cast<size_t>(i)]; };
    auto w_at = [&host](int64_t i) { return host.w[static_cast<size_t>(i)]; };
    double worst_value = 0, worst_magnitude = 0;  // relative to 1 + the output's magnitude
    for (int64_t flat = 0; flat < y_elements(p); ++flat) {
      const int64_t n = flat / (p.out_channels * out_length);
      const int64_t co = (flat / out_length) % p.out_channels;
      const double bias = host.with_bias ? host.bias[static_cast<size_t>(co)] : 0.0;
      const OutputValue gathered = gather_output(p, n, co, flat % out_length, x_at, w_at, bias);
      const double scale = 1.0 + gathered.magnitude;
      const size_t i = static_cast<size_t>(flat);
      worst_value = std::max(worst_value, std::abs(gathered.value - reference.value[i]) / scale);
      worst_magnitude =
          std::max(worst_magnitude, std::abs(gathered.magnitude - reference.magnitude[i]) / scale);
    }
    CHECK(worst_value <= 1e-13);
    CHECK(worst_magnitude <= 1e-13);
  }
}

// ~300 random problems per type (1200 in all), checked whole against the float64 reference.
TEMPLATE_TEST_CASE("gather: random sweep", "[gather][sweep][large]", float, double, __half,
                   __nv_bfloat16) {
  run_sweep<TestType>(1, 300, SweepLimits{2'000'000, 2'000'000, 40'000'000});
}

// The same generator, fewer and smaller problems: for the quick (sanitizer) run.
TEMPLATE_TEST_CASE("gather: quick random sweep", "[gather][sweep][quick]", float, double, __half,
                   __nv_bfloat16) {
  run_sweep<TestType>(2, 32, SweepLimits{200'000, 200'000, 40'000'000});
}

// The packed-weight path through the public entry point, on the generator's problems that take
// it (strides of 3 and more with several taps, all layouts): small enough for the sanitizers.
TEMPLATE_TEST_CASE("gather: random sweep, packed weights", "[gather][sweep][packed]", float,
                   double, __half, __nv_bfloat16) {
  run_sweep<TestType>(7, 32, SweepLimits{200'000, 200'000, 40'000'000}, MathMode::kExact,
                      SweepWorkspace::kPackedOnly);
}

TEST_CASE("gather: random sweep, packed weights, TF32 and 3xTF32", "[gather][sweep][packed]") {
  run_sweep<float>(8, 32, SweepLimits{200'000, 200'000, 40'000'000}, MathMode::kTF32,
                   SweepWorkspace::kPackedOnly);
  run_sweep<float>(9, 32, SweepLimits{200'000, 200'000, 40'000'000}, MathMode::k3xTF32,
                   SweepWorkspace::kPackedOnly);
}

// float on tensor cores: ~300 problems per mode. The TF32 sweep's pooled error is held to the
// documented 5e-4 (each problem to its own worst-case bound, see tolerance()).
TEST_CASE("gather: random sweep, TF32 and 3xTF32", "[gather][sweep][tf32][large]") {
  const double tf32 =
      run_sweep<float>(3, 300, SweepLimits{2'000'000, 2'000'000, 40'000'000}, MathMode::kTF32);
  INFO("TF32 sweep: relative L2 error of all outputs together " << tf32);
  CHECK(tf32 <= kTf32PooledTolerance);
  if (std::getenv("CONVT1D_TEST_INDEX") == nullptr) {
    CHECK(tf32 > 0);  // rounded operands must show: a zero error means TF32 was not used
  }
  run_sweep<float>(4, 300, SweepLimits{2'000'000, 2'000'000, 40'000'000}, MathMode::k3xTF32);
}

TEST_CASE("gather: quick random sweep, TF32 and 3xTF32", "[gather][sweep][tf32][quick]") {
  const double tf32 =
      run_sweep<float>(5, 32, SweepLimits{200'000, 200'000, 40'000'000}, MathMode::kTF32);
  INFO("TF32 sweep: relative L2 error of all outputs together " << tf32);
  CHECK(tf32 <= kTf32PooledTolerance);
  run_sweep<float>(6, 32, SweepLimits{200'000, 200'000, 40'000'000}, MathMode::k3xTF32);
}

// ---------------------------------------------------------------------------------------------
// Every tile shape of the phase-GEMM kernel, each math policy, launched directly: the public
// entry point picks tiles by problem size, so a sweep alone may leave some instantiation
// untested on the edges below.

// One phase-GEMM instantiation, whatever select_config() would choose; with a workspace, it
// reads the weights packed there (whether or not workspace_size() asks for one). kSplits above
// 1: each tile's reduction split into up to that many parts (detail::launch_split_gemm()).
template <class T, class Math, int kSplits = 1>
Status launch_gemm_directly(const Problem& p, const T* x, const T* w, const T* bias, T* y,
                            cudaStream_t stream, const convt1d::Options& options) {
  namespace detail = convt1d::detail;
  auto conv = convt1d::kernel::ConvParams<T>::from(p, x, w, bias, y);
  auto launch = [&](const detail::WeightLayout& layout) {
    if constexpr (kSplits > 1) {
      return detail::launch_split_gemm<T, Math>(conv, layout, kSplits, stream);
    } else {
      return detail::launch_gemm<T, Math>(conv, layout, stream);
    }
  };
  if (options.workspace == nullptr) {
    return launch(detail::pytorch_weight_layout(conv.in_per_group, conv.out_per_group,
                                                conv.kernel_size, conv.geometry));
  }
  if (const Status status = detail::pack_weights(p, w, options.workspace, stream, conv.w);
      status != Status::kSuccess) {
    return status;
  }
  return launch(detail::PackedShape::from(p).layout());
}

// Workspace bytes for launch_gemm_directly(): the packed weights of any GEMM problem.
template <class T>
size_t packed_bytes(const Problem& p) {
  return static_cast<size_t>(convt1d::detail::PackedShape::from(p).elements()) * sizeof(T) +
         static_cast<size_t>(convt1d::detail::kWorkspaceAlignment);
}

// Partial channel and position tiles, input windows past both ends of x, several phases (one
// of them without taps), groups, dilation, output padding, and reductions that end inside a
// stage; for the packed weights also groups with several phases, phases whose taps share no
// first tap with stride and dilation both above 1, and kernels shorter than the stride; tiles
// over several batch entries; stride 7 (with strides 2-6 and 8, every cluster size of the
// interleaved rows kernel); and a stride past the phases GemmParams lists (kernel::kPhaseTable),
// whose tiles work theirs out.
// clang-format off
constexpr Shape kTileEdgeShapes[] = {
    // name          N  C_in C_out  K  L_in stride padding output_padding dilation groups
    {"dilated",      2,  37,   70,  5,  300,  3, 2, 1, 2, 1},
    {"stride8",      1,  64,  200, 16,  140,  8, 4, 0, 1, 1},
    {"grouped",      3,  48,   96,  3,  517,  1, 1, 0, 3, 2},
    {"few_outputs",  1,  20,   17,  7, 1000,  2, 5, 1, 1, 1},
    {"short",        2,  33,   40,  4,   64,  5, 0, 3, 1, 1},
    {"tapless_phase", 1, 16,   24,  3,  200,  2, 1, 0, 2, 1},
    {"grouped_strided", 2, 48,  96,  7,  100,  4, 3, 1, 1, 2},
    {"dilated_strided", 1, 24,  40,  5,  120,  6, 2, 0, 4, 1},
    {"short_kernel",  1,  20,   36,  3,   90,  8, 1, 2, 1, 1},
    // Batches of short inputs: tiles run on over several batch entries (gemm_tiling()), at
    // stride 1 with paired stores (even output length), at stride 8 (9 positions a phase), with
    // groups, and with phases of 10 and 11 positions, two of them without taps (dilation 2),
    // where a 32-position tile starts past its first entry's shorter phase.
    {"short_batch",   5,  40,   48,  4,   21,  1, 1, 0, 1, 1},
    {"strided_batch", 7,  32,   64, 16,    9,  8, 4, 0, 1, 1},
    {"grouped_batch", 3,  24,   48,  5,   37,  2, 1, 1, 1, 3},
    {"uneven_batch",  6,  24,   40,  5,   10,  4, 1, 0, 2, 1},
    // A reduction of 9 stages of 16 input channels (17 of 8), split into parts of 1 to 5.
    {"long_reduction", 2, 136,  40,  6,   50,  3, 1, 0, 1, 1},
    {"stride7",       1,  40,   72, 14,   90,  7, 3, 2, 1, 1},
    {"stride20",      1,  24,   32, 40,   30, 20, 7, 3, 1, 1},
};
// clang-format on
static_assert(kTileEdgeShapes[std::size(kTileEdgeShapes) - 1].stride > convt1d::kernel::kPhaseTable,
              "the last shape has phases past the table");

bool clusters_compiled();

// Where this build's device code has clusters, the GPU holds clusters of `parts` blocks of
// Math's split kernel for p, so that the split checks do split rather than fall back to the
// plain launch.
template <class T, class Math>
void require_split_clusters(const Problem& p, int parts) {
  namespace detail = convt1d::detail;
  if (parts < 2 || !clusters_compiled()) return;
  const detail::GemmTiling tiling = detail::gemm_tiling<Math>(
      p.batch, p.groups, p.out_channels / p.groups, detail::PhaseGeometry::from(p));
  auto* const kernel = tiling.straddles ? convt1d::kernel::gemm_kernel<T, Math, true, true>
                                        : convt1d::kernel::gemm_kernel<T, Math, false, true>;
  constexpr size_t kSharedBytes = convt1d::kernel::gemm_shared_bytes<Math>();
  REQUIRE(detail::allow_shared_memory(kernel, kSharedBytes) == Status::kSuccess);
  std::atomic<int> unremembered[detail::kRememberedDevices] = {};
  int clusters = 0;
  REQUIRE(detail::resident_clusters(kernel, Math::kThreads, kSharedBytes, parts, unremembered,
                                    clusters) == Status::kSuccess);
  REQUIRE(clusters > 0);
}

// kSplits above 1: the tiles' reductions split into up to kSplits parts (fewer where a group
// has fewer stages of input channels: one part, on some shapes, is the plain launch).
template <class T, int kSplits, class... Maths>
void check_every_tile(MathMode math) {
  for (size_t index = 0; index < std::size(kTileEdgeShapes); ++index) {
    const Problem problem = kTileEdgeShapes[index].problem();
    REQUIRE(convt1d::validate(problem) == Status::kSuccess);
    std::mt19937_64 rng(case_seed(base_seed(), 200 + type_tag<T>(), static_cast<int64_t>(index)));
    HostCase<T> host = make_host_case<T>(problem, index % 2 == 0, rng);
    host.math = math;
    // Each tile reads the weights in PyTorch's layout, then packed.
    for (const size_t workspace_bytes : {size_t{0}, packed_bytes<T>(problem)}) {
      host.workspace_bytes = workspace_bytes;
      auto check = [&](auto tag, auto launcher) {
        using Math = typename decltype(tag)::type;
        const int parts = convt1d::detail::SplitParts::of(problem.in_channels / problem.groups,
                                                          Math::kReductionWords * Math::kPack,
                                                          kSplits)
                              .parts;
        INFO(type_name<T>() << " (" << math_name(math) << "), tile " << Math::kBlockChannels
                            << " x " << Math::kBlockPositions << " on " << Math::kThreads
                            << " threads, " << (workspace_bytes > 0 ? "packed" : "PyTorch's")
                            << " weights, reduction in " << parts
                            << " parts: " << kTileEdgeShapes[index].name << ", "
                            << describe(host.problem));
        if constexpr (kSplits > 1) require_split_clusters<T, Math>(problem, parts);
        run_and_check(host, {}, nullptr, launcher);
      };
      (check(cuda::std::type_identity<Maths>{}, &launch_gemm_directly<T, Maths, kSplits>), ...);
    }
  }
}

// The rows kernel of Math for `p` (within or straddling) and the blocks of it that one
// multiprocessor holds at once (0 where the runtime says nothing).
template <class T, class Math>
int64_t rows_blocks_per_multiprocessor(const Problem& p, convt1d::detail::GemmTiling& tiling) {
  namespace detail = convt1d::detail;
  tiling = detail::gemm_tiling<Math>(p.batch, p.groups, p.out_channels / p.groups,
                                     detail::PhaseGeometry::from(p));
  auto* const kernel = tiling.straddles ? convt1d::kernel::gemm_rows_kernel<T, Math, true>
                                        : convt1d::kernel::gemm_rows_kernel<T, Math, false>;
  constexpr size_t kSharedBytes =
      convt1d::kernel::gemm_shared_bytes<Math, Math::kStageAlignment>();
  std::atomic<int> unremembered[detail::kRememberedDevices] = {};
  int blocks = 0;
  if (detail::allow_shared_memory(kernel, kSharedBytes) != Status::kSuccess ||
      detail::resident_blocks(kernel, Math::kThreads, kSharedBytes, unremembered, blocks) !=
          Status::kSuccess) {
    return 0;
  }
  return blocks;
}

// A multiprocessor count for which the rows kernel of Math runs `p` on a resident grid
// (detail::launch_tiles()) of one or two tiles a block, where p has more tiles than two rounds
// of one multiprocessor's blocks; 1 elsewhere (a resident grid too where the tiles lie between
// one and two rounds of them).
template <class T, class Math>
int multiprocessors_for_resident_grid(const Problem& p) {
  convt1d::detail::GemmTiling tiling;
  const int64_t per_multiprocessor = rows_blocks_per_multiprocessor<T, Math>(p, tiling);
  if (per_multiprocessor < 1 || tiling.total_tiles <= 2 * per_multiprocessor) return 1;
  // Blocks of m multiprocessors: fewer than the tiles, more than half of them.
  return static_cast<int>((tiling.total_tiles - 1) / per_multiprocessor);
}

// The same for a launch in clusters of p's phases (stride blocks a cluster, a multiple of which
// the tiles are): a resident grid of whole clusters, fewer than the tiles' and more than half,
// where the tiles make at least 3 clusters (and the GPU holds that many); elsewhere, a count
// large enough for one tile a block.
template <class T, class Math>
int multiprocessors_for_interleaved_grid(const Problem& p) {
  convt1d::detail::GemmTiling tiling;
  const int64_t per_multiprocessor = rows_blocks_per_multiprocessor<T, Math>(p, tiling);
  const int64_t tile_clusters = tiling.total_tiles / p.stride;
  if (per_multiprocessor < 1 || tile_clusters < 3) return 1 << 20;
  const int64_t grid_clusters = tile_clusters / 2 + 1;
  return static_cast<int>((grid_clusters * p.stride + per_multiprocessor - 1) /
                          per_multiprocessor);
}

// Whether this build's device code has thread-block clusters where it runs (compiled for sm_90
// or later: block::kClusters in the code the GPU executes).
__global__ void clusters_compiled_kernel(int* compiled) {
  *compiled = convt1d::block::kClusters ? 1 : 0;
}

bool clusters_compiled() {
  DeviceBuffer<int> compiled(1);
  clusters_compiled_kernel<<<1, 1>>>(compiled.data());
  REQUIRE_CUDA(cudaGetLastError());
  return copy_to_host(compiled.data(), 1, nullptr)[0] == 1;
}

// Where this build's device code has clusters, the GPU holds clusters of the interleaved rows
// kernel of Math for p (stride 2 to kMaxInterleave), so that the interleaved tile checks do run
// in clusters rather than fall back to the plain launch.
template <class T, class Math>
void require_interleaved_clusters(const Problem& p) {
  namespace detail = convt1d::detail;
  if (p.stride < 2 || p.stride > convt1d::kernel::kMaxInterleave || !clusters_compiled()) return;
  const detail::GemmTiling tiling = detail::gemm_tiling<Math>(
      p.batch, p.groups, p.out_channels / p.groups, detail::PhaseGeometry::from(p));
  auto* const kernel = tiling.straddles ? convt1d::kernel::gemm_rows_kernel<T, Math, true, true>
                                        : convt1d::kernel::gemm_rows_kernel<T, Math, false, true>;
  constexpr size_t kSharedBytes =
      convt1d::kernel::gemm_shared_bytes<Math, Math::kStageAlignment>();
  REQUIRE(detail::allow_shared_memory(kernel, kSharedBytes) == Status::kSuccess);
  std::atomic<int> unremembered[detail::kRememberedDevices] = {};
  int clusters = 0;
  REQUIRE(detail::resident_clusters(kernel, Math::kThreads, kSharedBytes,
                                    static_cast<int>(p.stride), unremembered,
                                    clusters) == Status::kSuccess);
  REQUIRE(clusters > 0);
}

// One instantiation of the tensor-core rows kernel, whatever select_config() would choose, on
// operands it prepares in the workspace (row_operands_bytes()), with the input copy sized for
// kMultiprocessors: 0 gives it its multi-tile blocks wherever x's rows are whole chunks, a
// large count one tile a block everywhere (prepare_rows()). For 0 the GEMM runs on the grid of
// multiprocessors_for_resident_grid(), for the large count on one block per tile; interleaved
// (kInterleave, detail::launch_tiles()), on multiprocessors_for_interleaved_grid()'s.
// kTensorCopies: the warpgroup tiles within entries fill their stages by tensor copies (sm_90),
// or by cp.async as where their maps cannot be encoded.
template <class T, class Math, int kMultiprocessors,
          convt1d::detail::Interleave kInterleave = convt1d::detail::Interleave::kNever,
          bool kTensorCopies = true>
Status launch_rows_directly(const Problem& p, const T* x, const T* w, const T* bias, T* y,
                            cudaStream_t stream, const convt1d::Options& options) {
  namespace detail = convt1d::detail;
  convt1d::kernel::RowGemmParams<T> params;
  static_cast<convt1d::kernel::ConvParams<T>&>(params) =
      convt1d::kernel::ConvParams<T>::from(p, x, w, bias, y);
  if (const Status status = detail::prepare_rows(p, x, w, options.workspace, options.math,
                                                 kMultiprocessors, stream, params);
      status != Status::kSuccess) {
    return status;
  }
  int gemm_multiprocessors = kMultiprocessors;
  if constexpr (kInterleave != convt1d::detail::Interleave::kNever) {
    gemm_multiprocessors = multiprocessors_for_interleaved_grid<T, Math>(p);
  } else if (kMultiprocessors == 0) {
    gemm_multiprocessors = multiprocessors_for_resident_grid<T, Math>(p);
  }
  return detail::launch_gemm_rows<T, Math, kInterleave, kTensorCopies>(params,
                                                                       gemm_multiprocessors, stream);
}

template <class T, class... Maths>
void check_every_row_tile(MathMode math) {
  for (size_t index = 0; index < std::size(kTileEdgeShapes); ++index) {
    const Problem problem = kTileEdgeShapes[index].problem();
    std::mt19937_64 rng(case_seed(base_seed(), 300 + type_tag<T>(), static_cast<int64_t>(index)));
    HostCase<T> host = make_host_case<T>(problem, index % 2 == 1, rng);
    host.math = math;
    host.workspace_bytes =
        static_cast<size_t>(convt1d::detail::row_operands_bytes(problem, sizeof(T)));
    REQUIRE(host.workspace_bytes > 0);
    auto check = [&](auto tag, const char* input_copy, auto launcher) {
      using Math = typename decltype(tag)::type;
      INFO(type_name<T>() << " (" << math_name(math) << "), rows kernel, tile "
                          << Math::kBlockChannels << " x " << Math::kBlockPositions << " on "
                          << Math::kThreads << " threads, " << input_copy
                          << " input copy: " << kTileEdgeShapes[index].name << ", "
                          << describe(host.problem));
      run_and_check(host, {}, nullptr, launcher);
    };
    (check(cuda::std::type_identity<Maths>{}, "multi-tile",
           &launch_rows_directly<T, Maths, 0>),
     ...);
    // The warpgroup tiles' cp.async copies, which they keep where tensor copies cannot serve.
    constexpr auto kNever = convt1d::detail::Interleave::kNever;
    (check(cuda::std::type_identity<Maths>{}, "multi-tile, cp.async",
           &launch_rows_directly<T, Maths, 0, kNever, false>),
     ...);
    (check(cuda::std::type_identity<Maths>{}, "one-tile",
           &launch_rows_directly<T, Maths, (1 << 20)>),
     ...);
    // In clusters of the phases at every stride from 2 to kMaxInterleave, where the device and
    // the tests' architecture have clusters (plainly elsewhere), on the resident grid.
    constexpr auto kWherePossible = convt1d::detail::Interleave::kWherePossible;
    (require_interleaved_clusters<T, Maths>(problem), ...);
    (check(cuda::std::type_identity<Maths>{}, "interleaved, multi-tile",
           &launch_rows_directly<T, Maths, 0, kWherePossible>),
     ...);
  }
}

// The warpgroup tiles run wgmma where the tests are built for sm_90a (the default) and their
// mma.sync fallback elsewhere (-DCMAKE_CUDA_ARCHITECTURES=80 or 90, say); the mma.sync tiles
// with 4 warps of 2 x 2 fragments serve 3xTF32, and the 8-warp ones stay as policies of their own.
TEST_CASE("gather: every tensor-core rows tile shape and math policy", "[gather][tiles]") {
  namespace detail = convt1d::detail;
  using convt1d::block::MmaRowMath;
  using convt1d::warp::Tf32Mma;
  using convt1d::warp::Tf32x3Mma;
  check_every_row_tile<float, detail::WgmmaMath<float, detail::WgmmaShort, Tf32Mma>,
                       detail::WgmmaMath<float, detail::WgmmaMedium, Tf32Mma>,
                       detail::WgmmaMath<float, detail::WgmmaLarge, Tf32Mma>,
                       MmaRowMath<float, detail::MmaWide, Tf32Mma>>(MathMode::kTF32);
  check_every_row_tile<float, MmaRowMath<float, detail::MmaMedium, Tf32x3Mma>,
                       MmaRowMath<float, detail::MmaShort, Tf32x3Mma>>(MathMode::k3xTF32);
  using Half = convt1d::warp::Half16Mma<__half>;
  check_every_row_tile<__half, detail::WgmmaMath<__half, detail::WgmmaShort, Half>,
                       detail::WgmmaMath<__half, detail::WgmmaMedium, Half>,
                       detail::WgmmaMath<__half, detail::WgmmaLarge, Half>,
                       MmaRowMath<__half, detail::MmaLarge, Half>>(MathMode::kExact);
  using Bf16 = convt1d::warp::Half16Mma<__nv_bfloat16>;
  check_every_row_tile<__nv_bfloat16, detail::WgmmaMath<__nv_bfloat16, detail::WgmmaShort, Bf16>,
                       detail::WgmmaMath<__nv_bfloat16, detail::WgmmaMedium, Bf16>,
                       detail::WgmmaMath<__nv_bfloat16, detail::WgmmaLarge, Bf16>,
                       MmaRowMath<__nv_bfloat16, detail::MmaMedium, Bf16>>(MathMode::kExact);
}

// Problems that the public entry point sends to the rows kernel on tensor cores (1024
// multiply-adds per input element and more), with the workspace they ask for: partial tiles,
// stride 1 with dilation, groups with output padding, a reduction that ends inside a stage, and
// rows of whole 16-byte chunks (x's length a multiple of 8) copied by the chunked transposes,
// with channels that end inside a chunk and inside a tile, and long rows at stride 1 with output
// rows of even length (the epilogue's paired stores), and a batch of short inputs whose tiles
// straddle batch entries. On a GPU of more than a few
// multiprocessors their input copies take one tile a block; the rows-tile test above runs the
// multi-tile copy too (several of them and a tail on "few_outputs").
// clang-format off
constexpr Shape kRowsShapes[] = {
    // name              N  C_in C_out  K  L_in stride padding output_padding dilation groups
    {"strided",          2,  40,  130,  8,   70,  4, 2, 1, 1, 1},
    {"dilated",          1,  24,  256,  4,   50,  1, 1, 0, 2, 1},
    {"grouped",          2,  64,  288,  8,   33,  8, 3, 5, 1, 2},
    {"chunked",          2, 100,  256,  4,  200,  2, 1, 0, 1, 1},
    {"long",             1, 100,  256,  5,  600,  1, 0, 0, 1, 1},
    {"short_batch",     12,  64,   96, 16,   20,  8, 4, 0, 1, 1},
};
// clang-format on

TEMPLATE_TEST_CASE("gather: tensor-core rows kernel through the public API", "[gather][rows]",
                   float, __half, __nv_bfloat16) {
  using T = TestType;
  const std::vector<MathMode> maths = cuda::std::is_same_v<T, float>
                                          ? std::vector<MathMode>{MathMode::kTF32, MathMode::k3xTF32}
                                          : std::vector<MathMode>{MathMode::kExact};
  for (const MathMode math : maths) {
    for (size_t index = 0; index < std::size(kRowsShapes); ++index) {
      const Problem problem = kRowsShapes[index].problem();
      REQUIRE(convt1d::validate(problem) == Status::kSuccess);
      std::mt19937_64 rng(
          case_seed(base_seed(), 400 + type_tag<T>(), static_cast<int64_t>(index)));
      HostCase<T> host = make_host_case<T>(problem, index % 2 == 0, rng);
      host.math = math;
      host.workspace_bytes = convt1d::workspace_size<T>(problem, math);
      INFO(type_name<T>() << " (" << math_name(math) << "): " << kRowsShapes[index].name << ", "
                          << describe(problem) << ", workspace of " << host.workspace_bytes
                          << " bytes");
      REQUIRE(host.workspace_bytes >=
              static_cast<size_t>(x_elements(problem) + w_elements(problem)) * sizeof(T));
      run_and_check(host);
      // x and w one element off a 16-byte boundary: the element-wise transposes.
      const Offsets misaligned{1, 1, 0, 0};
      INFO(describe_offsets(misaligned));
      run_and_check(host, misaligned);
    }
  }
}

TEST_CASE("gather: every phase-GEMM tile shape and math policy", "[gather][tiles]") {
  namespace detail = convt1d::detail;
  using convt1d::block::MmaMath;
  using convt1d::block::SimtMath;
  // No instantiated FMA tile stores its accumulators where they lie (GemmTile's StagedEpilogue
  // false, store_tile()); this one keeps that path checked.
  using Unstaged = convt1d::GemmTile<128, 128, 8, 8, 8, 2, false>;
  check_every_tile<float, 1, SimtMath<float, detail::GemmMedium>,
                   SimtMath<float, detail::GemmSquare>, SimtMath<float, detail::GemmNarrow>,
                   SimtMath<float, detail::GemmShort>, SimtMath<float, Unstaged>>(MathMode::kExact);
  check_every_tile<double, 1, SimtMath<double, detail::GemmMedium>,
                   SimtMath<double, detail::GemmSquare>, SimtMath<double, detail::GemmNarrow>,
                   SimtMath<double, detail::GemmShort>, SimtMath<double, Unstaged>>(
      MathMode::kExact);
  using convt1d::warp::Tf32Mma;
  using convt1d::warp::Tf32x3Mma;
  check_every_tile<float, 1, MmaMath<float, detail::MmaLarge, Tf32Mma>,
                   MmaMath<float, detail::MmaMedium, Tf32Mma>,
                   MmaMath<float, detail::MmaShort, Tf32Mma>,
                   MmaMath<float, detail::MmaNarrow, Tf32Mma>,
                   MmaMath<float, detail::MmaWide, Tf32Mma>>(MathMode::kTF32);
  check_every_tile<float, 1, MmaMath<float, detail::MmaMedium, Tf32x3Mma>,
                   MmaMath<float, detail::MmaShort, Tf32x3Mma>,
                   MmaMath<float, detail::MmaNarrow, Tf32x3Mma>>(MathMode::k3xTF32);
  using Half = convt1d::warp::Half16Mma<__half>;
  check_every_tile<__half, 1, MmaMath<__half, detail::MmaLarge, Half>,
                   MmaMath<__half, detail::MmaMedium, Half>,
                   MmaMath<__half, detail::MmaShort, Half>,
                   MmaMath<__half, detail::MmaNarrow, Half>,
                   MmaMath<__half, detail::MmaWide, Half>>(MathMode::kExact);
  using Bf16 = convt1d::warp::Half16Mma<__nv_bfloat16>;
  check_every_tile<__nv_bfloat16, 1, MmaMath<__nv_bfloat16, detail::MmaLarge, Bf16>,
                   MmaMath<__nv_bfloat16, detail::MmaMedium, Bf16>,
                   MmaMath<__nv_bfloat16, detail::MmaShort, Bf16>,
                   MmaMath<__nv_bfloat16, detail::MmaNarrow, Bf16>,
                   MmaMath<__nv_bfloat16, detail::MmaWide, Bf16>>(MathMode::kExact);
}

// The exact float tiles with their reductions split over clusters (detail::launch_split_gemm()):
// into 2, 3 and up to 8 parts, fewer where the shape has fewer stages (the last part shorter
// where they do not divide).
TEST_CASE("gather: every phase-GEMM tile shape with split reductions", "[gather][tiles][split]") {
  namespace detail = convt1d::detail;
  using convt1d::block::SimtMath;
  check_every_tile<float, 2, SimtMath<float, detail::GemmMedium>,
                   SimtMath<float, detail::GemmSquare>, SimtMath<float, detail::GemmNarrow>,
                   SimtMath<float, detail::GemmShort>>(MathMode::kExact);
  check_every_tile<float, 3, SimtMath<float, detail::GemmSquare>,
                   SimtMath<float, detail::GemmNarrow>>(MathMode::kExact);
  check_every_tile<float, detail::kMaxSplits, SimtMath<float, detail::GemmMedium>,
                   SimtMath<float, detail::GemmSquare>, SimtMath<float, detail::GemmNarrow>,
                   SimtMath<float, detail::GemmShort>>(MathMode::kExact);
}

// Every public shape once, in float, at full size: the batch of kb64, kb74 and kb79 is NOT
// downscaled, since no CPU cost depends on it here. A whole-output CPU reference of the suite would
// be about 1e11 multiply-adds (even at batch 1), so outputs are checked at sampled positions: the
// first and last 64, 128 around a few row boundaries and 4000 random ones, against
// gather_output() (tied to convt1d::reference by the oracle test above). Every output is checked
// for NaN on the device. The shapes small enough (kb64_small) are also checked whole against
// convt1d::reference.
// Each in the three float math modes, without and with the workspace it asks for.
TEST_CASE("gather: public benchmark shapes", "[gather][public][large]") {
  for (size_t index = 0; index < std::size(kPublicShapes); ++index) {
    const Shape& shape = kPublicShapes[index];
    for (const MathMode math : {MathMode::kExact, MathMode::kTF32, MathMode::k3xTF32})
    for (const bool with_workspace : {false, true})
    // Shapes that ask for no workspace run once.
    if (!with_workspace || convt1d::workspace_size<float>(shape.problem(), math) > 0)
    DYNAMIC_SECTION(shape.name << " " << math_name(math)
                               << (with_workspace ? " with workspace" : "")) {
      const Problem p = shape.problem();
      const uint64_t seed = case_seed(base_seed(), 100, static_cast<int64_t>(index));

      SampledRun run;
      run.problem = p;
      run.math = math;
      run.with_workspace = with_workspace;
      const int64_t rows = p.batch * p.out_channels;
      const int64_t out_length = convt1d::output_length(p);
      // Both ends, the first row boundary, one in the middle and the start of the last row.
      run.centers = std::vector<int64_t>{0,
                                         rows * out_length,
                                         out_length,
                                         p.out_channels * out_length,
                                         (rows / 2) * out_length,
                                         (rows - 1) * out_length};
      run_sampled_check(run, seed);

      if (macs(p) <= 100'000'000) {
        INFO("whole output against convt1d::reference: " << describe(p) << " with bias");
        std::mt19937_64 rng(seed);
        HostCase<float> host = make_host_case<float>(p, true, rng);
        host.math = math;
        if (with_workspace) host.workspace_bytes = convt1d::workspace_size<float>(p, math);
        run_and_check(host);
      }
    }
  }
}

// y has 2 * (2^31 + 2000) = 2^32 + 4000 elements (17 GB) and x 2^30 + 1000 (4.3 GB): any 32-bit
// index or offset overflows somewhere. Positions around 2^30, 2^31 and 2^32 (flat and within a
// row), around the row boundary and at both ends are checked, and 4000 random ones.
TEST_CASE("gather: output of more than 2^32 elements", "[gather][huge][large]") {
  SampledRun run;
  run.problem.batch = 1;
  run.problem.in_channels = 1;
  run.problem.out_channels = 2;
  run.problem.kernel_size = 4;
  run.problem.stride = 2;
  run.problem.padding = 1;
  run.problem.in_length = (int64_t{1} << 30) + 1000;
  const int64_t out_length = convt1d::output_length(run.problem);
  REQUIRE(out_length == (int64_t{1} << 31) + 2000);
  const int64_t k2to30 = int64_t{1} << 30, k2to31 = int64_t{1} << 31, k2to32 = int64_t{1} << 32;
  const int64_t row1 = out_length;  // flat index of y[0, 1, 0]
  run.centers = {0, k2to30, k2to31, row1, row1 + k2to30, row1 + k2to31, k2to32, 2 * out_length};
  run.random_samples = 4000;
  run.skip_if_out_of_memory = true;
  run_sampled_check(run, case_seed(base_seed(), 200, 0));
}

TEMPLATE_TEST_CASE("gather: invalid problems return their status and leave y untouched",
                   "[gather][invalid]", float, double, __half, __nv_bfloat16) {
  using T = TestType;
  Problem valid;
  valid.batch = 2;
  valid.in_channels = 4;
  valid.out_channels = 6;
  valid.in_length = 16;
  valid.kernel_size = 3;
  valid.stride = 2;
  valid.padding = 1;
  valid.output_padding = 1;
  valid.groups = 2;
  REQUIRE(convt1d::validate(valid) == Status::kSuccess);

  struct Invalid {
    const char* what;
    Problem problem;
    Status expected;
    bool null_x = false, null_w = false, null_y = false;
    MathMode math = MathMode::kExact;
  };
  auto with = [&valid](auto change) {
    Problem p = valid;
    change(p);
    return p;
  };
  const std::vector<Invalid> cases = {
      {"negative batch", with([](Problem& p) { p.batch = -1; }), Status::kNegativeSize},
      {"negative kernel_size", with([](Problem& p) { p.kernel_size = -3; }), Status::kNegativeSize},
      {"in_length 0", with([](Problem& p) { p.in_length = 0; }), Status::kEmptyInput},
      {"in_channels 0", with([](Problem& p) { p.in_channels = 0; }), Status::kNonPositiveChannels},
      {"out_channels 0", with([](Problem& p) { p.out_channels = 0; }),
       Status::kNonPositiveChannels},
      {"kernel_size 0", with([](Problem& p) { p.kernel_size = 0; }),
       Status::kNonPositiveKernelSize},
      {"stride 0", with([](Problem& p) { p.stride = 0; }), Status::kNonPositiveStride},
      {"dilation 0", with([](Problem& p) { p.dilation = 0; }), Status::kNonPositiveDilation},
      {"groups 0", with([](Problem& p) { p.groups = 0; }), Status::kNonPositiveGroups},
      {"negative padding", with([](Problem& p) { p.padding = -1; }), Status::kNegativePadding},
      {"negative output_padding", with([](Problem& p) { p.output_padding = -1; }),
       Status::kNegativeOutputPadding},
      {"out_channels not divisible by groups", with([](Problem& p) { p.groups = 4; }),
       Status::kChannelsNotDivisibleByGroups},
      {"in_channels not divisible by groups", with([](Problem& p) { p.groups = 3; }),
       Status::kChannelsNotDivisibleByGroups},
      {"output_padding >= stride and dilation", with([](Problem& p) { p.output_padding = 2; }),
       Status::kOutputPaddingTooLarge},
      {"padding too large", with([](Problem& p) { p.padding = 100; }),
       Status::kNonPositiveOutputLength},
      {"output length overflows", with([](Problem& p) { p.stride = INT64_MAX / 4; }),
       Status::kSizeOverflow},
      {"x size overflows", with([](Problem& p) { p.batch = INT64_MAX / 2; }),
       Status::kSizeOverflow},
      {"null x", valid, Status::kNullPointer, true, false, false},
      {"null w", valid, Status::kNullPointer, false, true, false},
      {"null y", valid, Status::kNullPointer, false, false, true},
      {"math mode 3", valid, Status::kInvalidMathMode, false, false, false,
       static_cast<MathMode>(3)},
      {"math mode -1", valid, Status::kInvalidMathMode, false, false, false,
       static_cast<MathMode>(-1)},
  };

  DeviceBuffer<T> x(x_elements(valid)), w(w_elements(valid)), bias(valid.out_channels),
      y(y_elements(valid) + kGuardElements);
  REQUIRE_CUDA(cudaMemset(x.data(), 0, x.bytes()));
  REQUIRE_CUDA(cudaMemset(w.data(), 0, w.bytes()));
  REQUIRE_CUDA(cudaMemset(bias.data(), 0, bias.bytes()));
  for (const Invalid& c : cases) {
    INFO(type_name<T>() << ", " << c.what << ": " << describe(c.problem));
    if (c.expected != Status::kNullPointer && c.expected != Status::kInvalidMathMode) {
      CHECK(convt1d::validate(c.problem) == c.expected);
    }
    REQUIRE_CUDA(cudaMemset(y.data(), 0xA5, y.bytes()));
    REQUIRE_CUDA(cudaDeviceSynchronize());
    convt1d::Options options;
    options.math = c.math;
    const Status status = convt1d::conv_transpose1d<T>(
        c.problem, c.null_x ? nullptr : x.data(), c.null_w ? nullptr : w.data(), bias.data(),
        c.null_y ? nullptr : y.data(), nullptr, options);
    CHECK(status == c.expected);
    REQUIRE_CUDA(cudaDeviceSynchronize());
    REQUIRE_CUDA(cudaGetLastError());
    const std::vector<T> after = copy_to_host(y.data(), y.size(), nullptr);
    CHECK(all_bytes_equal(after.data(), y.size(), 0xA5));
  }
}

// workspace_size() asks, on tensor cores, for a rearranged copy of x and w where a GEMM uses each
// input element for 1024 or more multiply-adds, or 384 and more outside 3xTF32 on inputs of 2^24
// elements and more or with 128 input channels a group and more (rows_pay()); otherwise for packed
// weights where a GEMM reads scattered sectors (stride 3 and more here), and for nothing elsewhere.
// A workspace that is too small, or bytes without a pointer, is refused before anything runs.
TEMPLATE_TEST_CASE("gather: workspace sizes and invalid workspaces", "[gather][workspace]", float,
                   double, __half, __nv_bfloat16) {
  using T = TestType;
  // name, N, C_in, C_out, K, L_in, stride, padding, output_padding, dilation, groups
  const Problem strided = Shape{"strided", 2, 24, 40, 8, 50, 4, 2, 0, 1, 1}.problem();
  REQUIRE(convt1d::validate(strided) == Status::kSuccess);
  const size_t needed = convt1d::workspace_size<T>(strided);
  // At least a copy of the weights: 4 phases x 2 taps x 24 inputs x 40 outputs.
  CHECK(needed >= static_cast<size_t>(w_elements(strided)) * sizeof(T));
  // At stride 1 and few outputs per input (40 outputs x 8 taps), nothing; with 1024
  // multiply-adds per input element and more (160 outputs x 8 taps), or 768 of them on an input
  // of 2^24 elements and more or with 128 input channels (except in 3xTF32), the tensor-core
  // modes ask for the rows kernel's copy of x and w; 256 of them with 128 input channels ask
  // for nothing.
  Problem unit_stride = strided;
  unit_stride.stride = 1;
  Problem wide = unit_stride;
  wide.out_channels = 160;
  Problem medium = unit_stride;
  medium.out_channels = 96;
  medium.in_length = int64_t{1} << 17;  // 2 x 24 x 2^17 = 6.3 million inputs
  Problem medium_long = medium;
  medium_long.in_length = int64_t{1} << 19;  // 25 million inputs
  Problem medium_deep = unit_stride;
  medium_deep.in_channels = 128;
  medium_deep.out_channels = 96;  // 2 x 128 x 50 inputs
  Problem narrow_deep = medium_deep;
  narrow_deep.out_channels = 32;
  const size_t element = sizeof(T);
  auto operand_bytes = [&](const Problem& p) {
    return static_cast<size_t>(x_elements(p) + w_elements(p)) * element;
  };
  for (const MathMode math : {MathMode::kExact, MathMode::kTF32, MathMode::k3xTF32}) {
    INFO(type_name<T>() << " (" << math_name(math) << ")");
    const bool tensor_cores = convt1d::detail::uses_tensor_cores<T>(math);
    const bool split = cuda::std::is_same_v<T, float> && math == MathMode::k3xTF32;
    CHECK(convt1d::workspace_size<T>(unit_stride, math) == 0);
    CHECK(convt1d::workspace_size<T>(medium, math) == 0);
    CHECK(convt1d::workspace_size<T>(narrow_deep, math) == 0);
    if (tensor_cores) {
      CHECK(convt1d::workspace_size<T>(wide, math) >= operand_bytes(wide));
    } else {
      CHECK(convt1d::workspace_size<T>(wide, math) == 0);
    }
    if (tensor_cores && !split) {
      CHECK(convt1d::workspace_size<T>(medium_long, math) >= operand_bytes(medium_long));
      CHECK(convt1d::workspace_size<T>(medium_deep, math) >= operand_bytes(medium_deep));
    } else {
      CHECK(convt1d::workspace_size<T>(medium_long, math) == 0);
      CHECK(convt1d::workspace_size<T>(medium_deep, math) == 0);
    }
  }
  CHECK(convt1d::workspace_size<T>(wide, static_cast<MathMode>(7)) == 0);
  Problem depthwise = strided;
  depthwise.out_channels = 24;
  depthwise.groups = 24;
  CHECK(convt1d::workspace_size<T>(depthwise) == 0);
  Problem invalid = strided;
  invalid.stride = 0;
  CHECK(convt1d::workspace_size<T>(invalid) == 0);

  DeviceBuffer<T> x(x_elements(strided)), w(w_elements(strided)),
      y(y_elements(strided) + kGuardElements);
  DeviceBuffer<unsigned char> workspace(static_cast<int64_t>(needed));
  REQUIRE_CUDA(cudaMemset(x.data(), 0, x.bytes()));
  REQUIRE_CUDA(cudaMemset(w.data(), 0, w.bytes()));
  struct Case {
    const char* what;
    void* workspace;
    size_t bytes;
  };
  for (const Case& c : {Case{"bytes without a pointer", nullptr, needed},
                        Case{"one byte too small", workspace.data(), needed - 1},
                        Case{"a pointer without bytes", workspace.data(), 0}}) {
    INFO(type_name<T>() << ", " << c.what << " (" << needed << " bytes needed)");
    REQUIRE_CUDA(cudaMemset(y.data(), 0xA5, y.bytes()));
    REQUIRE_CUDA(cudaDeviceSynchronize());
    convt1d::Options options;
    options.workspace = c.workspace;
    options.workspace_bytes = c.bytes;
    CHECK(convt1d::conv_transpose1d<T>(strided, x.data(), w.data(), nullptr, y.data(), nullptr,
                                       options) == Status::kInvalidWorkspace);
    REQUIRE_CUDA(cudaDeviceSynchronize());
    REQUIRE_CUDA(cudaGetLastError());
    const std::vector<T> after = copy_to_host(y.data(), y.size(), nullptr);
    CHECK(all_bytes_equal(after.data(), y.size(), 0xA5));
  }

  // A valid workspace is used: the packed operands overwrite its poison.
  poison(workspace.data(), workspace.size(), nullptr);
  convt1d::Options options;
  options.workspace = workspace.data();
  options.workspace_bytes = needed;
  REQUIRE(convt1d::conv_transpose1d<T>(strided, x.data(), w.data(), nullptr, y.data(), nullptr,
                                       options) == Status::kSuccess);
  REQUIRE_CUDA(cudaDeviceSynchronize());
  const std::vector<unsigned char> used = copy_to_host(workspace.data(), workspace.size(), nullptr);
  CHECK_FALSE(all_bytes_equal(used.data(), workspace.size(), 0xFF));
}

TEMPLATE_TEST_CASE("gather: empty batch succeeds and touches nothing", "[gather][invalid]", float,
                   double, __half, __nv_bfloat16) {
  using T = TestType;
  Problem p;
  p.batch = 0;
  p.in_channels = 4;
  p.out_channels = 6;
  p.in_length = 16;
  p.kernel_size = 3;
  p.stride = 2;
  REQUIRE(convt1d::validate(p) == Status::kSuccess);
  DeviceBuffer<T> x(64), w(w_elements(p)), bias(p.out_channels), y(64);
  REQUIRE_CUDA(cudaMemset(y.data(), 0xA5, y.bytes()));
  REQUIRE_CUDA(cudaDeviceSynchronize());

  CHECK(convt1d::conv_transpose1d<T>(p, x.data(), w.data(), bias.data(), y.data()) ==
        Status::kSuccess);
  // x and y are empty tensors: null is fine for them.
  CHECK(convt1d::conv_transpose1d<T>(p, nullptr, w.data(), nullptr, nullptr) == Status::kSuccess);

  // Nothing is enqueued: a capture of the call records an empty graph.
  Stream stream;
  Graph graph;
  REQUIRE_CUDA(cudaStreamBeginCapture(stream.get(), cudaStreamCaptureModeGlobal));
  const Status captured =
      convt1d::conv_transpose1d<T>(p, x.data(), w.data(), bias.data(), y.data(), stream.get());
  // End the capture before any REQUIRE can leave the stream capturing.
  const cudaError_t end = cudaStreamEndCapture(stream.get(), graph.out());
  CHECK(captured == Status::kSuccess);
  REQUIRE_CUDA(end);
  size_t nodes = 0;
  REQUIRE_CUDA(cudaGraphGetNodes(graph.get(), nullptr, &nodes));
  CHECK(nodes == 0);

  REQUIRE_CUDA(cudaDeviceSynchronize());
  REQUIRE_CUDA(cudaGetLastError());
  const std::vector<T> after = copy_to_host(y.data(), y.size(), nullptr);
  CHECK(all_bytes_equal(after.data(), y.size(), 0xA5));
}

TEMPLATE_TEST_CASE("gather: no CUDA error is left behind", "[gather][errors]", float, double,
                   __half, __nv_bfloat16) {
  using T = TestType;
  REQUIRE_CUDA(cudaGetLastError());  // a clean start
  Problem p;
  p.batch = 2;
  p.in_channels = 8;
  p.out_channels = 12;
  p.in_length = 100;
  p.kernel_size = 4;
  p.stride = 3;
  p.padding = 1;
  std::mt19937_64 rng(case_seed(base_seed(), 300, 0));
  const HostCase<T> host = make_host_case<T>(p, true, rng);
  DeviceCase<T> device(host);
  device.upload(nullptr);

  REQUIRE(device.launch(nullptr) == Status::kSuccess);
  CHECK(cudaGetLastError() == cudaSuccess);
  REQUIRE_CUDA(cudaDeviceSynchronize());
  CHECK(cudaGetLastError() == cudaSuccess);
  check_output(host, device.download(nullptr), 0);

  Problem invalid = p;
  invalid.stride = 0;
  DeviceBuffer<T> x(x_elements(p)), w(w_elements(p)), y(y_elements(p));
  CHECK(convt1d::conv_transpose1d<T>(invalid, x.data(), w.data(), nullptr, y.data()) ==
        Status::kNonPositiveStride);
  CHECK(cudaGetLastError() == cudaSuccess);
  CHECK(convt1d::conv_transpose1d<T>(p, nullptr, w.data(), nullptr, y.data()) ==
        Status::kNullPointer);
  CHECK(cudaGetLastError() == cudaSuccess);
  REQUIRE_CUDA(cudaDeviceSynchronize());
  CHECK(cudaGetLastError() == cudaSuccess);
}

// x, w, bias and y each one element past a cudaMalloc'd base (and some mixes), on problems
// where vector loads and stores are tempting: stride 1, long rows, pointwise.
TEMPLATE_TEST_CASE("gather: misaligned pointers", "[gather][alignment]", float, __half) {
  using T = TestType;
  struct Case {
    Problem problem;
    bool with_bias;
  };
  auto make = [](int64_t batch, int64_t in_channels, int64_t out_channels, int64_t groups,
                 int64_t kernel_size, int64_t stride, int64_t padding, int64_t in_length,
                 bool with_bias) {
    Problem p;
    p.batch = batch;
    p.in_channels = in_channels;
    p.out_channels = out_channels;
    p.groups = groups;
    p.kernel_size = kernel_size;
    p.stride = stride;
    p.padding = padding;
    p.in_length = in_length;
    return Case{p, with_bias};
  };
  const std::vector<Case> cases = {
      make(1, 16, 32, 1, 3, 1, 1, 4099, true),  // stride 1, long odd rows
      make(2, 8, 8, 8, 4, 2, 1, 5001, true),    // depthwise
      make(1, 64, 32, 1, 16, 8, 4, 257, true),  // an upsampling layer
      make(3, 1, 1, 1, 1, 1, 0, 10007, false),  // pointwise copy-like
      make(1, 8, 8, 1, 2, 2, 0, 4096, true),    // stride == kernel_size: no overlap
  };
  const std::vector<Offsets> offsets = {{1, 1, 1, 1}, {0, 0, 0, 1}, {1, 0, 0, 0}, {0, 1, 1, 0}};
  for (size_t i = 0; i < cases.size(); ++i) {
    std::mt19937_64 rng(case_seed(base_seed(), 400 + type_tag<T>(), static_cast<int64_t>(i)));
    const HostCase<T> host = make_host_case<T>(cases[i].problem, cases[i].with_bias, rng);
    // With the workspace too where the call asks for one: the packing kernel's one-element
    // loads where w is off its 16-byte boundaries.
    HostCase<T> packed = host;
    packed.workspace_bytes = convt1d::workspace_size<T>(host.problem, host.math);
    for (const Offsets& offset : offsets) {
      INFO(type_name<T>() << ", " << describe(host.problem) << ", " << describe_offsets(offset));
      run_and_check(host, offset);
      if (packed.workspace_bytes > 0) {
        INFO("workspace of " << packed.workspace_bytes << " bytes");
        run_and_check(packed, offset);
      }
    }
  }
}

// The direct kernel's largest weight cache (in_per_group x kernel_size = 4096): with double
// accumulators its shared memory passes the 48 KiB a launch gets without opting in.
TEMPLATE_TEST_CASE("gather: direct kernel with its largest weight cache", "[gather][direct]",
                   float, double, __half, __nv_bfloat16) {
  using T = TestType;
  Problem p;
  p.batch = 1;
  p.in_channels = 1024;
  p.out_channels = 2;
  p.kernel_size = 4;
  p.stride = 2;
  p.padding = 1;
  p.in_length = 64;
  std::mt19937_64 rng(case_seed(base_seed(), 550 + type_tag<T>(), 0));
  const HostCase<T> host = make_host_case<T>(p, true, rng);
  INFO(type_name<T>() << ", " << describe(host.problem));
  run_and_check(host);
}

// Each shape with and without bias against the reference, on random data drawn from `seed`,
// after `expect(problem)` checks which kernel takes it.
template <class T, size_t N, class Expect>
void check_shapes(const Shape (&shapes)[N], uint64_t seed, Expect&& expect) {
  for (const Shape& shape : shapes) {
    const Problem p = shape.problem();
    REQUIRE(convt1d::validate(p) == Status::kSuccess);
    INFO(shape.name << ": " << type_name<T>() << ", " << describe(p));
    expect(p);
    std::mt19937_64 rng(case_seed(base_seed(), seed + type_tag<T>(), 0));
    for (const bool with_bias : {true, false}) {
      const HostCase<T> host = make_host_case<T>(p, with_bias, rng);
      run_and_check(host);
    }
  }
}

// The direct kernel (many input channels to few outputs): layers too small to fill the GPU,
// whose blocks split the input channels into slices (strides, dilations, padding and output
// padding that leave some of a tile's taps outside the row, rows that end inside a tile, groups,
// channel counts the slices do not divide evenly), and long rows, whose tiles inside the row sum
// each channel's taps together where the kernel size has an instantiation of its own (K 4, 7
// and 8 here), and taps outer where it is read at run time (K 13 and 25).
TEMPLATE_TEST_CASE("gather: direct kernel slices and long rows", "[gather][direct]", float,
                   double, __half, __nv_bfloat16) {
  using T = TestType;
  // clang-format off
  const Shape shapes[] = {
    // name                        N  C_in C_out   K   L_in stride padding output_padding dilation groups
    {"kb64_small",                16,   64,    3,  3,   128,    1,  0, 0, 1,    1},
    {"stride 2, output padding",   2,   64,    2,  5,   100,    2,  2, 1, 1,    1},
    {"stride 4, padding",          3,   48,    3,  8,    61,    4,  5, 3, 1,    1},
    {"dilation 40",                2,   64,    1,  3,    90,    1, 30, 0, 40,   1},
    {"50 channels, uneven slices", 4,   50,    5,  4,    37,    1,  3, 0, 1,    1},
    {"groups of 32 to 2",          2,  128,    8,  3,    70,    2,  1, 1, 1,    4},
    {"long rows, K 7",             4,   64,    3,  7, 16384,    1,  3, 0, 1,    1},
    {"long rows, K 8, stride 4",   1,   36,    8,  8,  9000,    4,  2, 1, 1,    1},
    {"long rows, K 25 (run time)", 2,   12,    1, 25,  3000,    4, 11, 1, 1,    1},
    {"long rows, K 13, dilation 2", 1,  15,    2, 13,  4100,    1,  9, 1, 2,    1},
    {"long rows, groups, 3 a group", 3,  90,   30,  4,  2600,    2,  1, 1, 1,   10},
  };
  // clang-format on
  check_shapes<T>(shapes, 570, [](const Problem& p) {
    CHECK(convt1d::detail::select_config<T>(p, 132, MathMode::kExact, false) ==
          convt1d::detail::KernelChoice::kDirect);
  });
}

// The window kernel's edges: tiles of 1 to kMaxWindowSteps outputs a thread (fewer where the
// window would not fit), rows that end inside a tile and blocks whose run of tiles crosses rows,
// padding past the kernel's reach, dilations, channel multipliers, 2 and 3 input channels a group,
// phases of 2, 3, 4 and more taps, and strides up to the largest (and one past it, on the direct
// kernel).
TEMPLATE_TEST_CASE("gather: window kernel tiles, strides and windows", "[gather][direct]", float,
                   double, __half, __nv_bfloat16) {
  using T = TestType;
  // clang-format off
  const Shape shapes[] = {
    // name                        N  C_in C_out   K   L_in stride padding output_padding dilation groups
    {"dw_up4 (smaller)",           4,   96,   96,  8,  3000,    4,  2, 0, 1,   96},
    {"stride 1, K 31",             3,    8,    8, 31,  2100,    1, 15, 0, 1,    8},
    {"channel multiplier 3",       2,    5,   15, 16,   700,    8,  4, 3, 1,    5},
    {"dilation 3, stride 2",       1,    6,    6,  7,  1500,    2,  9, 1, 3,    6},
    {"padding past the reach",     2,    4,    4,  4,   900,    3, 20, 2, 1,    4},
    {"K 80, stride 40",            1,    3,    3, 80,   100,   40, 20, 0, 1,    3},
    {"stride 256 (the largest)",   1,    2,    4,  3,    20,  256,  1, 5, 1,    2},
    {"stride 257 (direct kernel)", 1,    2,    2,  3,    20,  257,  1, 0, 1,    2},
    {"stride 129 (129 of 256 threads)", 2, 3,   3, 300,   40,  129, 30, 7, 1,    3},
    {"one output a thread",        8,   16,   16,  3,    60,    2,  1, 1, 1,   16},
    {"3 taps in registers",        2,   16,   16,  3,  3000,    1,  1, 0, 1,   16},
    {"4 taps in registers",        3,   24,   24, 16,   900,    4,  6, 1, 1,   24},
    {"wide window: K 9, dilation 500", 1, 2,    2,  9,   300,    1, 10, 0, 500,  2},
    {"windows that cap the steps", 8,  128,  128,  9,  2000,    1,  3, 0, 700, 128},
    {"2 channels a group, stride 2", 4, 64,   64,  4,  4000,    2,  1, 1, 1,   32},
    {"3 channels a group, multiplier", 3, 12, 40, 10,   777,    5,  2, 4, 1,    4},
    {"3 channels a group, stride 1", 2,  9,    3,  5,  1000,    1,  2, 0, 2,    3},
    {"length 1",                   4,    7,    7,  5,     1,    3,  0, 2, 1,    7},
    // More tiles than the grid's 16 blocks a multiprocessor: each block takes a run of tiles
    // along a row and on into the next row, channel, group and (with channel counts prime to
    // the runs' lengths, on 60 to 262 multiprocessors) batch entry, keeping or reloading its
    // weights on the way. The first crosses rows on up to about 200 multiprocessors.
    {"runs of tiles along rows",   1, 1100, 1100,  8,  2500,    4,  2, 0, 1, 1100},
    {"runs of rows, 2 a group",    4, 3002, 3002,  4,    50,    2,  1, 1, 1, 1501},
    {"runs of rows, 3 a group",    3, 4197, 6995,  6,    30,    3,  1, 0, 1, 1399},
    {"runs of rows, multiplier 2", 3, 1501, 3002,  5,    40,    2,  2, 1, 1, 1501},
  };
  // clang-format on
  check_shapes<T>(shapes, 560, [](const Problem& p) {
    CHECK(convt1d::detail::uses_window_kernel(p) ==
          (p.stride <= convt1d::kernel::kMaxWindowStride));
  });
}

TEMPLATE_TEST_CASE("gather: two streams run different problems concurrently", "[gather][streams]",
                   float, __half) {
  using T = TestType;
  Problem a;
  a.batch = 2;
  a.in_channels = 32;
  a.out_channels = 48;
  a.kernel_size = 7;
  a.stride = 3;
  a.padding = 2;
  a.output_padding = 2;
  a.in_length = 3000;
  Problem b;  // depthwise, dilated
  b.batch = 3;
  b.in_channels = b.out_channels = b.groups = 96;
  b.kernel_size = 5;
  b.stride = 1;
  b.dilation = 2;
  b.padding = 4;
  b.output_padding = 1;
  b.in_length = 6000;
  std::mt19937_64 rng(case_seed(base_seed(), 500 + type_tag<T>(), 0));
  const HostCase<T> host_a = make_host_case<T>(a, true, rng);
  const HostCase<T> host_b = make_host_case<T>(b, false, rng);
  INFO(type_name<T>() << ", stream 1: " << describe(a) << " with bias; stream 2: " << describe(b)
                      << " without bias");

  Stream first, second;
  DeviceCase<T> device_a(host_a), device_b(host_b);
  device_a.upload(first.get());
  device_b.upload(second.get());
  // Interleaved calls; each writes the same y again, so the result is that of one call.
  for (int round = 0; round < 3; ++round) {
    REQUIRE(device_a.launch(first.get()) == Status::kSuccess);
    REQUIRE(device_b.launch(second.get()) == Status::kSuccess);
  }
  REQUIRE_CUDA(cudaGetLastError());
  check_output(host_a, device_a.download(first.get()), 0);
  check_output(host_b, device_b.download(second.get()), 0);
}

// Captures one launch of `device` on `stream` into `graph`, ending the capture before any
// REQUIRE can leave the stream capturing.
template <class T>
void capture_launch(DeviceCase<T>& device, cudaStream_t stream, Graph& graph) {
  REQUIRE_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
  const Status captured = device.launch(stream);
  const cudaError_t end = cudaStreamEndCapture(stream, graph.out());
  REQUIRE(captured == Status::kSuccess);
  REQUIRE_CUDA(end);
}

TEMPLATE_TEST_CASE("gather: CUDA graph capture and replay", "[gather][graph]", float, double,
                   __half, __nv_bfloat16) {
  using T = TestType;
  Problem p;
  p.batch = 2;
  p.in_channels = 24;
  p.out_channels = 40;
  p.kernel_size = 5;
  p.stride = 2;
  p.padding = 2;
  p.output_padding = 1;
  p.in_length = 777;
  std::mt19937_64 rng(case_seed(base_seed(), 600 + type_tag<T>(), 0));
  const HostCase<T> host = make_host_case<T>(p, true, rng);
  INFO(type_name<T>() << ", " << describe(p) << " with bias");

  Stream stream;
  DeviceCase<T> device(host);
  device.upload(stream.get());
  REQUIRE_CUDA(cudaStreamSynchronize(stream.get()));

  Graph graph;
  capture_launch(device, stream.get(), graph);
  // Capturing ran nothing: y is still all poison.
  const std::vector<T> before = device.download(stream.get());
  CHECK(all_bytes_equal(before.data(), static_cast<int64_t>(before.size()), 0xFF));

  GraphExec exec;
  REQUIRE_CUDA(cudaGraphInstantiate(exec.out(), graph.get(), 0));

  REQUIRE(device.launch(stream.get()) == Status::kSuccess);
  const std::vector<T> plain = device.download(stream.get());
  check_output(host, plain, 0);
  for (int replay = 0; replay < 2; ++replay) {
    INFO("graph replay " << replay);
    device.poison_y(stream.get());
    REQUIRE_CUDA(cudaGraphLaunch(exec.get(), stream.get()));
    const std::vector<T> replayed = device.download(stream.get());
    REQUIRE(std::memcmp(replayed.data(), plain.data(), plain.size() * sizeof(T)) == 0);
  }
  REQUIRE_CUDA(cudaGetLastError());
}

// A layer the rows kernel takes interleaved on sm_90 (stride 8, a short reduction, one entry),
// captured as the process's first call of convt1d: it asks the GPU about its kernels and
// clusters inside the capture.
TEMPLATE_TEST_CASE("gather: CUDA graph capture of an interleaved rows layer", "[gather][graph]",
                   float, __half) {
  using T = TestType;
  Problem p;
  p.batch = 1;
  p.in_channels = 64;
  p.out_channels = 128;
  p.kernel_size = 16;
  p.stride = 8;
  p.padding = 4;
  p.in_length = 300;
  std::mt19937_64 rng(case_seed(base_seed(), 650 + type_tag<T>(), 0));
  HostCase<T> host = make_host_case<T>(p, true, rng);
  host.math = cuda::std::is_same_v<T, float> ? MathMode::kTF32 : MathMode::kExact;
  host.workspace_bytes = convt1d::workspace_size<T>(p, host.math);
  REQUIRE(convt1d::detail::uses_rows_kernel<T>(p, host.math));
  INFO(type_name<T>() << " (" << math_name(host.math) << "), " << describe(p) << " with bias");

  Stream stream;
  DeviceCase<T> device(host);
  device.upload(stream.get());
  REQUIRE_CUDA(cudaStreamSynchronize(stream.get()));

  Graph graph;
  capture_launch(device, stream.get(), graph);
  GraphExec exec;
  REQUIRE_CUDA(cudaGraphInstantiate(exec.out(), graph.get(), 0));
  for (int replay = 0; replay < 2; ++replay) {
    INFO("graph replay " << replay);
    device.poison_y(stream.get());
    REQUIRE_CUDA(cudaGraphLaunch(exec.get(), stream.get()));
    check_output(host, device.download(stream.get()), 0);
  }
  REQUIRE_CUDA(cudaGetLastError());
}

TEMPLATE_TEST_CASE("gather: bitwise deterministic", "[gather][determinism][large]", float, double,
                   __half, __nv_bfloat16) {
  using T = TestType;
  Problem upsampling;  // a HiFi-GAN-like layer
  upsampling.batch = 2;
  upsampling.in_channels = 256;
  upsampling.out_channels = 128;
  upsampling.kernel_size = 16;
  upsampling.stride = 8;
  upsampling.padding = 4;
  upsampling.in_length = 2000;
  Problem smoothing;  // stride 1, K = 3
  smoothing.batch = 4;
  smoothing.in_channels = 128;
  smoothing.out_channels = 128;
  smoothing.kernel_size = 3;
  smoothing.padding = 1;
  smoothing.in_length = 16384;
  const Problem problems[] = {upsampling, smoothing};
  for (size_t i = 0; i < std::size(problems); ++i) {
    INFO(type_name<T>() << ", " << describe(problems[i]) << " with bias");
    std::mt19937_64 rng(case_seed(base_seed(), 700 + type_tag<T>(), static_cast<int64_t>(i)));
    const HostCase<T> host = make_host_case<T>(problems[i], true, rng);
    DeviceCase<T> device(host);
    device.upload(nullptr);
    REQUIRE(device.launch(nullptr) == Status::kSuccess);
    const std::vector<T> first = device.download(nullptr);
    device.poison_y(nullptr);
    REQUIRE(device.launch(nullptr) == Status::kSuccess);
    const std::vector<T> second = device.download(nullptr);
    REQUIRE_CUDA(cudaGetLastError());
    const NanCount nan = count_nan(first, 0, y_elements(problems[i]));
    if (nan.count > 0) {
      FAIL("unwritten element: " << nan.count << " outputs are still NaN; the first is "
                                 << position(problems[i], nan.first));
    }
    REQUIRE(std::memcmp(first.data(), second.data(), first.size() * sizeof(T)) == 0);
  }
}

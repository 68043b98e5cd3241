// Host tests of include/convt1d/reference.hpp, the CPU reference every GPU kernel is checked
// against. Three independent kinds of evidence:
//   - hand-worked cases, each expected output derived on paper in the comment above it;
//   - the adjoint identity <conv_transpose1d(x, w), y'> == <x, conv1d(y', w)> on random problems,
//     with conv1d written here directly in the gather form, sharing no code with the reference;
//   - the contract: every element type, nothing written for an invalid problem.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "convt1d/reference.hpp"

namespace {

using convt1d::Problem;
using convt1d::Status;

// A value no hand-worked output contains, so an element the reference failed to write shows up.
constexpr double kUnwritten = -777.0;

// One batch, one channel in and out, one group: the fields a hand-worked case changes are set by
// the caller.
Problem single_channel(int64_t in_length, int64_t kernel_size) {
  Problem p;
  p.batch = 1;
  p.in_channels = 1;
  p.out_channels = 1;
  p.in_length = in_length;
  p.kernel_size = kernel_size;
  return p;
}

int64_t x_size(const Problem& p) { return p.batch * p.in_channels * p.in_length; }
int64_t w_size(const Problem& p) {
  return p.in_channels * (p.out_channels / p.groups) * p.kernel_size;
}
int64_t y_size(const Problem& p) {
  return p.batch * p.out_channels * convt1d::output_length(p);
}

// The reference's output for a valid problem, every element of y written over kUnwritten.
std::vector<double> run_reference(const Problem& p, const std::vector<double>& x,
                                  const std::vector<double>& w, const double* bias = nullptr) {
  REQUIRE(convt1d::validate(p) == Status::kSuccess);
  REQUIRE(static_cast<int64_t>(x.size()) == x_size(p));
  REQUIRE(static_cast<int64_t>(w.size()) == w_size(p));
  std::vector<double> y(static_cast<size_t>(y_size(p)), kUnwritten);
  REQUIRE(convt1d::reference::conv_transpose1d(p, x.data(), w.data(), bias, y.data()) ==
          Status::kSuccess);
  return y;
}

// The forward convolution whose adjoint conv_transpose1d is, in the gather form:
//   x'[n, ci, t] = sum over co_local, k of y'[n, co, t * stride - padding + k * dilation]
//                                         * w[ci, co_local, k],
// with co = group(ci) * out_per_group + co_local and positions outside [0, L_out) skipped.
std::vector<double> direct_conv1d(const Problem& p, const std::vector<double>& y,
                                  const std::vector<double>& w) {
  const int64_t out_length = convt1d::output_length(p);
  const int64_t in_per_group = p.in_channels / p.groups;
  const int64_t out_per_group = p.out_channels / p.groups;
  std::vector<double> x(static_cast<size_t>(x_size(p)), 0.0);
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t ci = 0; ci < p.in_channels; ++ci) {
      const int64_t first_co = (ci / in_per_group) * out_per_group;
      for (int64_t t = 0; t < p.in_length; ++t) {
        double sum = 0.0;
        for (int64_t co_local = 0; co_local < out_per_group; ++co_local) {
          const int64_t co = first_co + co_local;
          for (int64_t k = 0; k < p.kernel_size; ++k) {
            const int64_t j = t * p.stride - p.padding + k * p.dilation;
            if (j < 0 || j >= out_length) continue;
            sum += y[static_cast<size_t>((n * p.out_channels + co) * out_length + j)] *
                   w[static_cast<size_t>((ci * out_per_group + co_local) * p.kernel_size + k)];
          }
        }
        x[static_cast<size_t>((n * p.in_channels + ci) * p.in_length + t)] = sum;
      }
    }
  }
  return x;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

std::vector<double> absolute(std::vector<double> v) {
  for (double& e : v) e = std::fabs(e);
  return v;
}

// Uniform in [-1, 1]. Never all zeros: an all-zero tensor would make the identity hold trivially.
std::vector<double> random_tensor(int64_t size, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<double> v(static_cast<size_t>(size));
  for (double& e : v) e = uniform(rng);
  if (std::all_of(v.begin(), v.end(), [](double e) { return e == 0.0; })) v[0] = 0.5;
  return v;
}

int64_t pick(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

// A random problem over the whole parameter space; the caller keeps only valid ones.
Problem random_problem(std::mt19937_64& rng) {
  Problem p;
  p.batch = pick(rng, 1, 3);
  p.kernel_size = pick(rng, 1, 9);
  p.stride = pick(rng, 1, 7);
  p.dilation = pick(rng, 1, 4);
  // Short inputs are where the edges meet; give them more weight than a uniform draw would.
  p.in_length = pick(rng, 0, 3) == 0 ? pick(rng, 1, 3) : pick(rng, 1, 40);
  p.padding = pick(rng, 0, p.kernel_size * p.dilation);
  // output_padding at one of its two legal bounds.
  p.output_padding = pick(rng, 0, 1) == 0 ? 0 : std::max(p.stride, p.dilation) - 1;
  switch (pick(rng, 0, 2)) {
    case 0:  // one group, any channel counts
      p.groups = 1;
      p.in_channels = pick(rng, 1, 7);
      p.out_channels = pick(rng, 1, 7);
      break;
    case 1:  // depthwise
      p.groups = pick(rng, 1, 8);
      p.in_channels = p.groups;
      p.out_channels = p.groups;
      break;
    default:  // grouped, several channels per group
      p.groups = pick(rng, 2, 4);
      p.in_channels = p.groups * pick(rng, 1, 3);
      p.out_channels = p.groups * pick(rng, 1, 3);
      break;
  }
  return p;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Hand-worked cases. In each comment, j = t * stride - padding + k * dilation is the output
// position that x[t] * w[k] lands on; positions outside [0, L_out) are dropped.

TEST_CASE("reference: stride 1", "[reference]") {
  SECTION("identity kernel (K = 1, w = 1) copies x") {
    Problem p = single_channel(4, 1);
    CHECK(run_reference(p, {1, 2, 3, 4}, {1}) == std::vector<double>{1, 2, 3, 4});
  }
  SECTION("identity channel matrix, two channels, batch 2") {
    // w[ci, co, 0] = (ci == co): y[n, c, t] = x[n, c, t].
    Problem p = single_channel(3, 1);
    p.batch = 2;
    p.in_channels = 2;
    p.out_channels = 2;
    const std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    CHECK(run_reference(p, x, {1, 0, 0, 1}) == x);
  }
  SECTION("K = 3, padding 1 keeps the length") {
    // L_out = 2 - 2 + 2 + 0 + 1 = 3; x = [1, 2, 3], w = [1, 2, 3], j = t - 1 + k.
    // t=0: j=0 += 1*2, j=1 += 1*3.  t=1: j=0 += 2*1, j=1 += 2*2, j=2 += 2*3.
    // t=2: j=1 += 3*1, j=2 += 3*2 (j=3 dropped).  y = [4, 10, 12].
    Problem p = single_channel(3, 3);
    p.padding = 1;
    CHECK(run_reference(p, {1, 2, 3}, {1, 2, 3}) == std::vector<double>{4, 10, 12});
  }
}

TEST_CASE("reference: stride 2 with padding", "[reference]") {
  // L_out = 2 * 2 - 2 + 2 + 0 + 1 = 5; x = [1, 2, 3], w = [1, 10, 100], j = 2t - 1 + k.
  // t=0: j=0 += 10, j=1 += 100 (j=-1 dropped).  t=1: j=1 += 2, j=2 += 20, j=3 += 200.
  // t=2: j=3 += 3, j=4 += 30 (j=5 dropped).  y = [10, 102, 20, 203, 30].
  Problem p = single_channel(3, 3);
  p.stride = 2;
  p.padding = 1;
  CHECK(run_reference(p, {1, 2, 3}, {1, 10, 100}) == std::vector<double>{10, 102, 20, 203, 30});
}

TEST_CASE("reference: dilation 3", "[reference]") {
  SECTION("stride 1, no padding") {
    // L_out = 1 + 3 * 1 + 0 + 1 = 5; x = [1, 2], w = [1, 10], j = t + 3k.
    // t=0: j=0 += 1, j=3 += 10.  t=1: j=1 += 2, j=4 += 20.  j=2 gets nothing.
    Problem p = single_channel(2, 2);
    p.dilation = 3;
    CHECK(run_reference(p, {1, 2}, {1, 10}) == std::vector<double>{1, 2, 0, 10, 20});
  }
  SECTION("with stride 2 and padding 2") {
    // L_out = 2 * 2 - 4 + 3 + 0 + 1 = 4; x = [1, 2, 3], w = [1, 10], j = 2t - 2 + 3k.
    // t=0: j=1 += 10 (j=-2 dropped).  t=1: j=0 += 2, j=3 += 20.  t=2: j=2 += 3 (j=5 dropped).
    Problem p = single_channel(3, 2);
    p.stride = 2;
    p.padding = 2;
    p.dilation = 3;
    CHECK(run_reference(p, {1, 2, 3}, {1, 10}) == std::vector<double>{2, 10, 3, 20});
  }
}

TEST_CASE("reference: output_padding 1, with bias and without", "[reference]") {
  // L_out = 1 * 2 + 1 + 1 + 1 = 5; x = [1, 2], w = [1, 10], j = 2t + k.
  // t=0: j=0 += 1, j=1 += 10.  t=1: j=2 += 2, j=3 += 20.  j=4 exists only through output_padding:
  // it holds the bias alone.
  Problem p = single_channel(2, 2);
  p.stride = 2;
  p.output_padding = 1;
  CHECK(run_reference(p, {1, 2}, {1, 10}) == std::vector<double>{1, 10, 2, 20, 0});
  const double bias = 5;
  CHECK(run_reference(p, {1, 2}, {1, 10}, &bias) == std::vector<double>{6, 15, 7, 25, 5});
}

TEST_CASE("reference: groups 2", "[reference]") {
  SECTION("one input channel and two output channels per group, with bias and without") {
    // C_in 2, C_out 4, K 2, stride 1: L_out = 1 + 1 + 0 + 1 = 3; j = t + k.
    // x[0] = [1, 2] feeds co 0, 1 only; x[1] = [3, 4] feeds co 2, 3 only.
    // w[0, 0] = [1, 1]:  [1, 1+2, 2]      = [1, 3, 2]
    // w[0, 1] = [1, -1]: [1, -1+2, -2]    = [1, 1, -2]
    // w[1, 0] = [2, 0]:  [6, 8, 0]
    // w[1, 1] = [0, 2]:  [0, 6, 8]
    Problem p = single_channel(2, 2);
    p.in_channels = 2;
    p.out_channels = 4;
    p.groups = 2;
    const std::vector<double> x = {1, 2, 3, 4};
    const std::vector<double> w = {1, 1, 1, -1, 2, 0, 0, 2};
    CHECK(run_reference(p, x, w) == std::vector<double>{1, 3, 2, 1, 1, -2, 6, 8, 0, 0, 6, 8});
    const std::vector<double> bias = {1, 2, 3, 4};
    CHECK(run_reference(p, x, w, bias.data()) ==
          std::vector<double>{2, 4, 3, 3, 3, 0, 9, 11, 3, 4, 10, 12});
  }
  SECTION("two input channels and one output channel per group") {
    // C_in 4, C_out 2, K 1, L 1: w[ci, 0, 0] = ci + 1, x = [1, 10, 100, 1000].
    // y[0] = 1*1 + 10*2 = 21 (channels 0, 1);  y[1] = 100*3 + 1000*4 = 4300 (channels 2, 3).
    Problem p = single_channel(1, 1);
    p.in_channels = 4;
    p.out_channels = 2;
    p.groups = 2;
    CHECK(run_reference(p, {1, 10, 100, 1000}, {1, 2, 3, 4}) == std::vector<double>{21, 4300});
  }
}

TEST_CASE("reference: depthwise (groups == C_in == C_out), with bias and without",
          "[reference]") {
  // C 3, K 2, stride 2, L 2: L_out = 2 + 1 + 0 + 1 = 4; j = 2t + k, so each channel's output is
  // [x0 * w0, x0 * w1, x1 * w0, x1 * w1]:
  //   c0: x = [1, 1], w = [1, 2] -> [1, 2, 1, 2]
  //   c1: x = [1, 2], w = [3, 4] -> [3, 4, 6, 8]
  //   c2: x = [0, 1], w = [5, 6] -> [0, 0, 5, 6]
  Problem p = single_channel(2, 2);
  p.in_channels = 3;
  p.out_channels = 3;
  p.groups = 3;
  p.stride = 2;
  const std::vector<double> x = {1, 1, 1, 2, 0, 1};
  const std::vector<double> w = {1, 2, 3, 4, 5, 6};
  CHECK(run_reference(p, x, w) == std::vector<double>{1, 2, 1, 2, 3, 4, 6, 8, 0, 0, 5, 6});
  const std::vector<double> bias = {10, 20, 30};
  CHECK(run_reference(p, x, w, bias.data()) ==
        std::vector<double>{11, 12, 11, 12, 23, 24, 26, 28, 30, 30, 35, 36});
}

TEST_CASE("reference: K = 1", "[reference]") {
  // x = [1, 2, 3], w = [2], stride 3: j = 3t - padding, the gaps between inputs stay zero.
  Problem p = single_channel(3, 1);
  p.stride = 3;
  SECTION("no padding: L_out = 2 * 3 + 0 + 0 + 1 = 7") {
    CHECK(run_reference(p, {1, 2, 3}, {2}) == std::vector<double>{2, 0, 0, 4, 0, 0, 6});
  }
  SECTION("padding 1: L_out = 5, j = 3t - 1 keeps only t = 1 (j = 2)") {
    p.padding = 1;
    CHECK(run_reference(p, {1, 2, 3}, {2}) == std::vector<double>{0, 0, 4, 0, 0});
  }
  SECTION("output_padding 2: L_out = 9, two trailing zeros") {
    p.output_padding = 2;
    CHECK(run_reference(p, {1, 2, 3}, {2}) == std::vector<double>{2, 0, 0, 4, 0, 0, 6, 0, 0});
  }
}

TEST_CASE("reference: L_in = 1", "[reference]") {
  // Batch 2, C_in 2, C_out 1, K 3, dilation 2, stride 5 (unused with one input position):
  // L_out = 0 + 2 * 2 + 0 + 1 = 5, j = 2k.  w[0, 0] = [1, 2, 3], w[1, 0] = [10, 20, 30].
  //   n=0, x = [2], [3]: j=0: 2 + 30 = 32, j=2: 4 + 60 = 64, j=4: 6 + 90 = 96.
  //   n=1, x = [1], [0]: [1, 0, 2, 0, 3].
  Problem p = single_channel(1, 3);
  p.batch = 2;
  p.in_channels = 2;
  p.stride = 5;
  p.dilation = 2;
  CHECK(run_reference(p, {2, 3, 1, 0}, {1, 2, 3, 10, 20, 30}) ==
        std::vector<double>{32, 0, 64, 0, 96, 1, 0, 2, 0, 3});
}

TEST_CASE("reference: the test's direct conv1d matches a hand-worked case", "[reference]") {
  // The adjoint test below trusts direct_conv1d; check it once by hand. Stride 2, padding 1,
  // w = [1, 10, 100], y' = [1, 2, 3, 4, 5]: x'[t] = sum over k of y'[2t - 1 + k] * w[k].
  //   t=0: 1*10 + 2*100 = 210   t=1: 2*1 + 3*10 + 4*100 = 432   t=2: 4*1 + 5*10 = 54.
  // With the "stride 2 with padding" case: <y, y'> = 10 + 204 + 60 + 812 + 150 = 1236
  // and <x, x'> = 210 + 864 + 162 = 1236.
  Problem p = single_channel(3, 3);
  p.stride = 2;
  p.padding = 1;
  const std::vector<double> x_adjoint = direct_conv1d(p, {1, 2, 3, 4, 5}, {1, 10, 100});
  CHECK(x_adjoint == std::vector<double>{210, 432, 54});
  CHECK(dot({1, 2, 3}, x_adjoint) == 1236);
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("reference: adjoint identity <convT(x, w), y'> == <x, conv(y', w)>", "[reference]") {
  constexpr uint64_t kBaseSeed = 0x5eed'c0a7'7a1dULL;
  constexpr int kProblems = 300;
  constexpr int kMaxDraws = 20 * kProblems;

  std::set<int64_t> strides, dilations, kernel_sizes, batches;
  bool depthwise = false, one_group = false, grouped = false, op_upper = false, op_zero = false;
  bool length_one = false, length_max = false, channel_one = false, channel_odd = false;
  bool padding_zero = false, padding_max = false;

  int accepted = 0;
  for (int draw = 0; draw < kMaxDraws && accepted < kProblems; ++draw) {
    // Each draw has its own seed: a failure replays from the seed it prints.
    const uint64_t seed = kBaseSeed + static_cast<uint64_t>(draw);
    std::mt19937_64 rng(seed);
    const Problem p = random_problem(rng);
    if (convt1d::validate(p) != Status::kSuccess) continue;
    ++accepted;

    CAPTURE(seed, p.batch, p.in_channels, p.out_channels, p.in_length, p.kernel_size, p.stride,
            p.padding, p.output_padding, p.dilation, p.groups);
    const std::vector<double> x = random_tensor(x_size(p), rng);
    const std::vector<double> w = random_tensor(w_size(p), rng);
    const std::vector<double> y_adjoint = random_tensor(y_size(p), rng);

    const std::vector<double> y = run_reference(p, x, w);
    const std::vector<double> x_adjoint = direct_conv1d(p, y_adjoint, w);
    const double lhs = dot(y, y_adjoint);
    const double rhs = dot(x, x_adjoint);
    // Both sides are one sum of x * w * y' products; relative to the sum of their magnitudes,
    // the two orders of summation agree to a few ulps.
    const double magnitude = dot(absolute(x), direct_conv1d(p, absolute(y_adjoint), absolute(w)));
    CAPTURE(lhs, rhs, magnitude);
    REQUIRE(std::fabs(lhs - rhs) <= 1e-12 * magnitude);

    strides.insert(p.stride);
    dilations.insert(p.dilation);
    kernel_sizes.insert(p.kernel_size);
    batches.insert(p.batch);
    depthwise |= p.groups > 1 && p.groups == p.in_channels && p.groups == p.out_channels;
    one_group |= p.groups == 1;
    grouped |= p.groups > 1 && (p.in_channels > p.groups || p.out_channels > p.groups);
    op_upper |= p.output_padding > 0 && p.output_padding == std::max(p.stride, p.dilation) - 1;
    op_zero |= p.output_padding == 0;
    length_one |= p.in_length == 1;
    length_max |= p.in_length == 40;
    channel_one |= p.in_channels == 1 || p.out_channels == 1;
    channel_odd |= p.in_channels % 2 == 1 && p.in_channels > 1;
    padding_zero |= p.padding == 0;
    padding_max |= p.padding == p.kernel_size * p.dilation;
  }

  // The draws above must have covered the whole parameter space.
  CHECK(accepted == kProblems);
  CHECK(strides == std::set<int64_t>{1, 2, 3, 4, 5, 6, 7});
  CHECK(dilations == std::set<int64_t>{1, 2, 3, 4});
  CHECK(kernel_sizes == std::set<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(batches == std::set<int64_t>{1, 2, 3});
  CHECK(depthwise);
  CHECK(one_group);
  CHECK(grouped);
  CHECK(op_upper);
  CHECK(op_zero);
  CHECK(length_one);
  CHECK(length_max);
  CHECK(channel_one);
  CHECK(channel_odd);
  CHECK(padding_zero);
  CHECK(padding_max);
}

// ---------------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("reference: every element type", "[reference]", float, double, __half,
                   __nv_bfloat16) {
  // Small integers, exact in every type (bfloat16 holds 8 significant bits: up to 256).
  const auto to_type = [](const std::vector<float>& values) {
    std::vector<TestType> out;
    for (float v : values) out.push_back(TestType(v));
    return out;
  };
  const auto to_float = [](const std::vector<TestType>& values) {
    std::vector<float> out;
    for (const TestType& v : values) out.push_back(static_cast<float>(v));
    return out;
  };

  SECTION("depthwise, stride 2, with bias (the hand-worked depthwise case)") {
    Problem p = single_channel(2, 2);
    p.in_channels = 3;
    p.out_channels = 3;
    p.groups = 3;
    p.stride = 2;
    const std::vector<TestType> x = to_type({1, 1, 1, 2, 0, 1});
    const std::vector<TestType> w = to_type({1, 2, 3, 4, 5, 6});
    const std::vector<TestType> bias = to_type({10, 20, 30});
    std::vector<TestType> y = to_type(std::vector<float>(12, -777.0f));
    REQUIRE(convt1d::reference::conv_transpose1d(p, x.data(), w.data(), bias.data(), y.data()) ==
            Status::kSuccess);
    CHECK(to_float(y) == std::vector<float>{11, 12, 11, 12, 23, 24, 26, 28, 30, 30, 35, 36});
  }
  SECTION("stride 2 with padding, no bias (the hand-worked case)") {
    Problem p = single_channel(3, 3);
    p.stride = 2;
    p.padding = 1;
    const std::vector<TestType> x = to_type({1, 2, 3});
    const std::vector<TestType> w = to_type({1, 10, 100});
    std::vector<TestType> y = to_type(std::vector<float>(5, -777.0f));
    // A bare nullptr would not deduce T: the bias is typed like the other tensors.
    const TestType* no_bias = nullptr;
    REQUIRE(convt1d::reference::conv_transpose1d(p, x.data(), w.data(), no_bias, y.data()) ==
            Status::kSuccess);
    CHECK(to_float(y) == std::vector<float>{10, 102, 20, 203, 30});
  }
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("reference: an invalid problem leaves y bit-identical", "[reference]") {
  Problem valid = single_channel(3, 3);
  valid.batch = 2;
  valid.in_channels = 2;
  valid.out_channels = 2;
  valid.stride = 2;
  valid.padding = 1;

  struct Invalid {
    const char* what;
    Problem problem;
  };
  const auto changed = [&valid](int64_t Problem::*field, int64_t value) {
    Problem p = valid;
    p.*field = value;
    return p;
  };
  const Invalid cases[] = {
      {"negative batch", changed(&Problem::batch, -1)},
      {"in_length 0", changed(&Problem::in_length, 0)},
      {"out_channels 0", changed(&Problem::out_channels, 0)},
      {"kernel_size 0", changed(&Problem::kernel_size, 0)},
      {"stride 0", changed(&Problem::stride, 0)},
      {"dilation 0", changed(&Problem::dilation, 0)},
      {"groups 0", changed(&Problem::groups, 0)},
      {"negative padding", changed(&Problem::padding, -1)},
      {"negative output_padding", changed(&Problem::output_padding, -1)},
      {"groups not dividing the channels", changed(&Problem::groups, 3)},
      {"output_padding == stride", changed(&Problem::output_padding, 2)},
      {"output length < 1", changed(&Problem::padding, 4)},
      {"size overflow", changed(&Problem::stride, std::numeric_limits<int64_t>::max())},
  };

  // Buffers larger than any of these problems would read or write if validation were skipped.
  const std::vector<double> x(64, 1.0), w(64, 1.0), bias(8, 1.0);
  for (const Invalid& c : cases) {
    CAPTURE(c.what);
    const Status expected = convt1d::validate(c.problem);
    REQUIRE(expected != Status::kSuccess);

    // A byte pattern, not a value: a write of any double, even the same one, would show.
    std::vector<double> y(256);
    auto* y_bytes = reinterpret_cast<unsigned char*>(y.data());
    for (size_t i = 0; i < y.size() * sizeof(double); ++i) {
      y_bytes[i] = static_cast<unsigned char>(0xA5 ^ i);
    }
    const std::vector<double> before = y;

    CHECK(convt1d::reference::conv_transpose1d(c.problem, x.data(), w.data(), bias.data(),
                                               y.data()) == expected);
    CHECK(std::memcmp(y.data(), before.data(), y.size() * sizeof(double)) == 0);
  }
}

TEST_CASE("reference: an empty batch succeeds and touches nothing", "[reference]") {
  Problem p = single_channel(3, 3);
  p.batch = 0;
  double* no_tensor = nullptr;
  CHECK(convt1d::reference::conv_transpose1d(p, no_tensor, no_tensor, no_tensor, no_tensor) ==
        Status::kSuccess);
}

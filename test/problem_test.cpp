// Host tests of include/convt1d/problem.hpp: output_length(), validate(), to_string() and the
// CUDA-status helpers. Every Status that validate() can return is reached at least once, and each
// bound is probed just inside and just outside.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>
#include <string>

#include "convt1d/problem.hpp"

namespace {

using convt1d::Problem;
using convt1d::Status;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

using Field = int64_t Problem::*;

// Every valid size of 1 (one output element): the smallest problem validate() accepts.
Problem unit_problem() {
  Problem p;
  p.batch = 1;
  p.in_channels = 1;
  p.out_channels = 1;
  p.in_length = 1;
  p.kernel_size = 1;
  return p;
}

// A valid problem where every field differs from its default:
// output_length = (5 - 1) * 2 - 2 * 1 + 1 * (3 - 1) + 1 + 1 = 10.
Problem typical_problem() {
  Problem p;
  p.batch = 2;
  p.in_channels = 4;
  p.out_channels = 6;
  p.in_length = 5;
  p.kernel_size = 3;
  p.stride = 2;
  p.padding = 1;
  p.output_padding = 1;
  p.dilation = 1;
  p.groups = 2;
  return p;
}

Problem with(Problem p, Field field, int64_t value) {
  p.*field = value;
  return p;
}

struct FieldCase {
  const char* name;
  Field field;
  Status expected;
};

}  // namespace

TEST_CASE("problem: output_length follows PyTorch's formula", "[problem]") {
  // (L_in - 1) * stride - 2 * padding + dilation * (K - 1) + output_padding + 1, worked by hand.
  CHECK(convt1d::output_length(unit_problem()) == 1);
  CHECK(convt1d::output_length(typical_problem()) == 10);

  Problem p = unit_problem();
  p.in_length = 3;
  p.kernel_size = 4;
  p.dilation = 3;
  CHECK(convt1d::output_length(p) == 2 + 9 + 1);  // stride 1: 2 + 3 * 3 + 0 + 1

  p = unit_problem();
  p.in_length = 7;
  p.kernel_size = 1;
  p.stride = 3;
  p.output_padding = 2;
  CHECK(convt1d::output_length(p) == 6 * 3 + 2 + 1);

  p.padding = 4;
  CHECK(convt1d::output_length(p) == 21 - 8);

  // The defaults (all sizes 0) give -1 * 1 - 0 + 1 * -1 + 0 + 1 = -1; usable at compile time.
  STATIC_REQUIRE(convt1d::output_length(Problem{}) == -1);
}

TEST_CASE("problem: valid problems are accepted", "[problem]") {
  CHECK(convt1d::validate(unit_problem()) == Status::kSuccess);
  CHECK(convt1d::validate(typical_problem()) == Status::kSuccess);
  STATIC_REQUIRE(convt1d::validate(Problem{}) != Status::kSuccess);  // usable at compile time

  SECTION("an empty batch is valid, like PyTorch's") {
    CHECK(convt1d::validate(with(typical_problem(), &Problem::batch, 0)) == Status::kSuccess);
    CHECK(convt1d::validate(with(unit_problem(), &Problem::batch, 0)) == Status::kSuccess);
  }
  SECTION("zero padding and zero output_padding are valid") {
    CHECK(convt1d::validate(with(typical_problem(), &Problem::padding, 0)) == Status::kSuccess);
    CHECK(convt1d::validate(with(typical_problem(), &Problem::output_padding, 0)) ==
          Status::kSuccess);
  }
}

TEST_CASE("problem: a negative value of each field is rejected", "[problem]") {
  const FieldCase cases[] = {
      {"batch", &Problem::batch, Status::kNegativeSize},
      {"in_channels", &Problem::in_channels, Status::kNegativeSize},
      {"out_channels", &Problem::out_channels, Status::kNegativeSize},
      {"in_length", &Problem::in_length, Status::kNegativeSize},
      {"kernel_size", &Problem::kernel_size, Status::kNegativeSize},
      {"stride", &Problem::stride, Status::kNonPositiveStride},
      {"padding", &Problem::padding, Status::kNegativePadding},
      {"output_padding", &Problem::output_padding, Status::kNegativeOutputPadding},
      {"dilation", &Problem::dilation, Status::kNonPositiveDilation},
      {"groups", &Problem::groups, Status::kNonPositiveGroups},
  };
  for (const FieldCase& c : cases) {
    for (int64_t value : {int64_t{-1}, int64_t{-7}, kMin}) {
      CAPTURE(c.name, value);
      CHECK(convt1d::validate(with(typical_problem(), c.field, value)) == c.expected);
    }
  }
}

TEST_CASE("problem: a zero value of each field", "[problem]") {
  const FieldCase cases[] = {
      {"batch", &Problem::batch, Status::kSuccess},
      {"in_channels", &Problem::in_channels, Status::kNonPositiveChannels},
      {"out_channels", &Problem::out_channels, Status::kNonPositiveChannels},
      {"in_length", &Problem::in_length, Status::kEmptyInput},
      {"kernel_size", &Problem::kernel_size, Status::kNonPositiveKernelSize},
      {"stride", &Problem::stride, Status::kNonPositiveStride},
      {"padding", &Problem::padding, Status::kSuccess},
      {"output_padding", &Problem::output_padding, Status::kSuccess},
      {"dilation", &Problem::dilation, Status::kNonPositiveDilation},
      {"groups", &Problem::groups, Status::kNonPositiveGroups},
  };
  for (const FieldCase& c : cases) {
    CAPTURE(c.name);
    CHECK(convt1d::validate(with(typical_problem(), c.field, 0)) == c.expected);
  }

  SECTION("in_length == 0 is rejected even when the batch is empty") {
    Problem p = with(typical_problem(), &Problem::in_length, 0);
    p.batch = 0;
    CHECK(convt1d::validate(p) == Status::kEmptyInput);
  }
}

TEST_CASE("problem: groups must divide both channel counts", "[problem]") {
  Problem p = typical_problem();

  SECTION("groups divides in_channels but not out_channels") {
    p.in_channels = 4;
    p.out_channels = 3;
    p.groups = 2;
    CHECK(convt1d::validate(p) == Status::kChannelsNotDivisibleByGroups);
    p.out_channels = 4;
    CHECK(convt1d::validate(p) == Status::kSuccess);
  }
  SECTION("groups divides out_channels but not in_channels") {
    p.in_channels = 3;
    p.out_channels = 6;
    p.groups = 2;
    CHECK(convt1d::validate(p) == Status::kChannelsNotDivisibleByGroups);
    p.in_channels = 2;
    CHECK(convt1d::validate(p) == Status::kSuccess);
  }
  SECTION("more groups than channels") {
    p.in_channels = 2;
    p.out_channels = 2;
    p.groups = 4;
    CHECK(convt1d::validate(p) == Status::kChannelsNotDivisibleByGroups);
    p.groups = 2;
    CHECK(convt1d::validate(p) == Status::kSuccess);
  }
  SECTION("depthwise, depthwise with a multiplier, and one group with odd channel counts") {
    p.in_channels = 5;
    p.out_channels = 5;
    p.groups = 5;
    CHECK(convt1d::validate(p) == Status::kSuccess);
    p.out_channels = 10;
    CHECK(convt1d::validate(p) == Status::kSuccess);
    p.in_channels = 3;
    p.out_channels = 7;
    p.groups = 1;
    CHECK(convt1d::validate(p) == Status::kSuccess);
  }
}

TEST_CASE("problem: output_padding must be smaller than stride or dilation", "[problem]") {
  struct Bound {
    int64_t stride, dilation;
  };
  // The largest valid output_padding is max(stride, dilation) - 1.
  for (Bound bound : {Bound{1, 1}, Bound{2, 1}, Bound{3, 1}, Bound{7, 2}, Bound{2, 2},
                      Bound{1, 3}, Bound{2, 4}, Bound{4, 6}}) {
    Problem p = typical_problem();
    p.stride = bound.stride;
    p.dilation = bound.dilation;
    const int64_t largest = std::max(bound.stride, bound.dilation) - 1;
    CAPTURE(bound.stride, bound.dilation, largest);
    CHECK(convt1d::validate(with(p, &Problem::output_padding, 0)) == Status::kSuccess);
    CHECK(convt1d::validate(with(p, &Problem::output_padding, largest)) == Status::kSuccess);
    CHECK(convt1d::validate(with(p, &Problem::output_padding, largest + 1)) ==
          Status::kOutputPaddingTooLarge);
  }

  SECTION("dilation <= stride: stride - 1 is valid, stride is not") {
    Problem p = with(typical_problem(), &Problem::stride, 3);
    CHECK(convt1d::validate(with(p, &Problem::output_padding, 2)) == Status::kSuccess);
    CHECK(convt1d::validate(with(p, &Problem::output_padding, 3)) ==
          Status::kOutputPaddingTooLarge);
  }
  SECTION("output_padding >= stride but < dilation is valid") {
    Problem p = typical_problem();
    p.stride = 1;
    p.dilation = 3;
    CHECK(convt1d::validate(with(p, &Problem::output_padding, 1)) == Status::kSuccess);
    CHECK(convt1d::validate(with(p, &Problem::output_padding, 2)) == Status::kSuccess);
    CHECK(convt1d::validate(with(p, &Problem::output_padding, 3)) ==
          Status::kOutputPaddingTooLarge);
  }
}

TEST_CASE("problem: the output length must be at least 1", "[problem]") {
  SECTION("K = 2, stride 2, padding 1: output_padding 1 gives length 1, 0 gives length 0") {
    Problem p = unit_problem();
    p.kernel_size = 2;
    p.stride = 2;
    p.padding = 1;
    p.output_padding = 1;  // 0 * 2 - 2 + 1 + 1 + 1 = 1
    CHECK(convt1d::output_length(p) == 1);
    CHECK(convt1d::validate(p) == Status::kSuccess);
    p.output_padding = 0;
    CHECK(convt1d::output_length(p) == 0);
    CHECK(convt1d::validate(p) == Status::kNonPositiveOutputLength);
  }
  SECTION("L_in = 2, K = 2: padding 1 gives length 1, padding 2 gives -1") {
    Problem p = unit_problem();
    p.in_length = 2;
    p.kernel_size = 2;
    p.padding = 1;  // 1 - 2 + 1 + 0 + 1 = 1
    CHECK(convt1d::output_length(p) == 1);
    CHECK(convt1d::validate(p) == Status::kSuccess);
    p.padding = 2;
    CHECK(convt1d::output_length(p) == -1);
    CHECK(convt1d::validate(p) == Status::kNonPositiveOutputLength);
  }
  SECTION("a single tap with any padding") {
    Problem p = with(unit_problem(), &Problem::padding, 1);
    CHECK(convt1d::validate(p) == Status::kNonPositiveOutputLength);
  }
  SECTION("the largest padding whose double fits gives a negative length, not an overflow") {
    Problem p = with(typical_problem(), &Problem::padding, kMax / 2);
    CHECK(convt1d::validate(p) == Status::kNonPositiveOutputLength);
  }
}

TEST_CASE("problem: the output-length formula must not overflow int64", "[problem]") {
  Problem p = unit_problem();

  SECTION("huge stride") {
    p.in_length = 3;
    p.stride = kMax / 2;  // 2 * (2^62 - 1) + 0 + 0 + 1 = 2^63 - 1: the largest length there is
    CHECK(convt1d::validate(p) == Status::kSuccess);
    CHECK(convt1d::output_length(p) == kMax);
    CHECK(convt1d::validate(with(p, &Problem::stride, kMax / 2 + 1)) == Status::kSizeOverflow);
    CHECK(convt1d::validate(with(p, &Problem::output_padding, 1)) == Status::kSizeOverflow);
  }
  SECTION("an intermediate overflow is reported even where padding would bring it back") {
    p.in_length = 2;
    p.stride = kMax;  // (2 - 1) * kMax + 1 overflows before 2 * padding is taken off
    p.padding = 1;
    CHECK(convt1d::validate(p) == Status::kSizeOverflow);
  }
  SECTION("huge in_length") {
    p.in_length = kMax;  // (kMax - 1) * 1 + 0 + 0 + 1 = kMax; x has kMax elements
    CHECK(convt1d::validate(p) == Status::kSuccess);
    CHECK(convt1d::validate(with(p, &Problem::stride, 2)) == Status::kSizeOverflow);
  }
  SECTION("huge dilation") {
    p.kernel_size = 2;
    p.dilation = kMax - 1;  // 0 + (kMax - 1) * 1 + 0 + 1 = kMax
    CHECK(convt1d::validate(p) == Status::kSuccess);
    CHECK(convt1d::validate(with(p, &Problem::dilation, kMax)) == Status::kSizeOverflow);
    p.kernel_size = 3;
    CHECK(convt1d::validate(with(p, &Problem::dilation, kMax / 2 + 1)) == Status::kSizeOverflow);
  }
  SECTION("huge kernel_size") {
    p.kernel_size = kMax;  // 0 + 1 * (kMax - 1) + 0 + 1 = kMax; w has kMax elements
    CHECK(convt1d::validate(p) == Status::kSuccess);
    p.dilation = 2;
    CHECK(convt1d::validate(p) == Status::kSizeOverflow);
  }
  SECTION("huge output_padding") {
    p.stride = kMax;
    p.output_padding = kMax - 1;  // allowed: smaller than stride; 0 + 0 + (kMax - 1) + 1 = kMax
    CHECK(convt1d::validate(p) == Status::kSuccess);
    p.kernel_size = 2;  // one more tap: kMax + 1
    CHECK(convt1d::validate(p) == Status::kSizeOverflow);
  }
  SECTION("padding whose double overflows") {
    p.padding = kMax / 2 + 1;
    CHECK(convt1d::validate(p) == Status::kSizeOverflow);
  }
}

TEST_CASE("problem: tensor sizes must not overflow int64", "[problem]") {
  constexpr int64_t k2p31 = int64_t{1} << 31, k2p32 = int64_t{1} << 32, k2p62 = int64_t{1} << 62;
  Problem p = unit_problem();

  SECTION("x = batch * in_channels * in_length") {
    p.batch = k2p32;
    p.in_channels = k2p31 - 1;  // 2^63 - 2^32 elements
    CHECK(convt1d::validate(p) == Status::kSuccess);
    p.in_channels = k2p31;  // 2^63
    CHECK(convt1d::validate(p) == Status::kSizeOverflow);
  }
  SECTION("y = batch * out_channels * output_length") {
    p.in_length = 2;  // output_length 2
    p.out_channels = k2p62 - 1;
    CHECK(convt1d::validate(p) == Status::kSuccess);
    p.out_channels = k2p62;
    CHECK(convt1d::validate(p) == Status::kSizeOverflow);
  }
  SECTION("y overflows while the output length itself fits") {
    p.in_length = 3;
    p.stride = kMax / 2;  // output_length kMax
    CHECK(convt1d::validate(p) == Status::kSuccess);
    p.batch = 2;
    CHECK(convt1d::validate(p) == Status::kSizeOverflow);
  }
  SECTION("w = in_channels * (out_channels / groups) * kernel_size") {
    p.in_channels = k2p32;
    p.out_channels = k2p31;
    p.kernel_size = 2;
    p.groups = 1;  // 2^64
    CHECK(convt1d::validate(p) == Status::kSizeOverflow);
    p.groups = 2;  // 2^63
    CHECK(convt1d::validate(p) == Status::kSizeOverflow);
    p.groups = 4;  // 2^62
    CHECK(convt1d::validate(p) == Status::kSuccess);
  }
}

TEST_CASE("problem: to_string gives a distinct sentence for each Status", "[problem]") {
  const Status all[] = {
      Status::kSuccess,
      Status::kNegativeSize,
      Status::kEmptyInput,
      Status::kNonPositiveChannels,
      Status::kNonPositiveKernelSize,
      Status::kNonPositiveStride,
      Status::kNonPositiveDilation,
      Status::kNonPositiveGroups,
      Status::kNegativePadding,
      Status::kNegativeOutputPadding,
      Status::kChannelsNotDivisibleByGroups,
      Status::kOutputPaddingTooLarge,
      Status::kNonPositiveOutputLength,
      Status::kSizeOverflow,
      Status::kNullPointer,
      Status::kInvalidMathMode,
      Status::kInvalidWorkspace,
      Status::kCudaError,
  };
  std::set<std::string> seen;
  for (Status status : all) {
    const char* text = convt1d::to_string(status);
    CAPTURE(static_cast<int32_t>(status));
    REQUIRE(text != nullptr);
    CHECK(std::string(text).size() > 5);
    CHECK(seen.insert(text).second);
  }
  const std::string unknown = convt1d::to_string(static_cast<Status>(500));
  CHECK_FALSE(unknown.empty());
  CHECK(seen.count(unknown) == 0);

  // Every CUDA status reads the same: the code itself comes from cuda_error_code().
  CHECK(std::string(convt1d::to_string(convt1d::make_cuda_status(2))) ==
        convt1d::to_string(Status::kCudaError));
  STATIC_REQUIRE(convt1d::to_string(Status::kSuccess)[0] != '\0');
}

TEST_CASE("problem: math modes", "[problem]") {
  STATIC_REQUIRE(convt1d::Options{}.math == convt1d::MathMode::kExact);
  STATIC_REQUIRE(convt1d::Options{}.workspace == nullptr);
  STATIC_REQUIRE(convt1d::Options{}.workspace_bytes == 0);
  for (convt1d::MathMode math :
       {convt1d::MathMode::kExact, convt1d::MathMode::kTF32, convt1d::MathMode::k3xTF32}) {
    CHECK(convt1d::is_valid(math));
  }
  CHECK_FALSE(convt1d::is_valid(static_cast<convt1d::MathMode>(3)));
  CHECK_FALSE(convt1d::is_valid(static_cast<convt1d::MathMode>(-1)));
}

TEST_CASE("problem: CUDA statuses carry the cudaError_t", "[problem]") {
  for (Status status : {Status::kSuccess, Status::kNegativeSize, Status::kSizeOverflow,
                        Status::kNullPointer, static_cast<Status>(999)}) {
    CAPTURE(static_cast<int32_t>(status));
    CHECK_FALSE(convt1d::is_cuda_error(status));
    CHECK(convt1d::cuda_error_code(status) == 0);
  }
  for (int code : {1, 2, 98, 700, 719, 999, 10000}) {
    CAPTURE(code);
    const Status status = convt1d::make_cuda_status(code);
    CHECK(convt1d::is_cuda_error(status));
    CHECK(convt1d::cuda_error_code(status) == code);
    CHECK(status != Status::kSuccess);
    CHECK(static_cast<int32_t>(status) == static_cast<int32_t>(Status::kCudaError) + code);
  }
  STATIC_REQUIRE(convt1d::cuda_error_code(convt1d::make_cuda_status(719)) == 719);
  STATIC_REQUIRE(convt1d::is_cuda_error(Status::kCudaError));
  STATIC_REQUIRE_FALSE(convt1d::is_cuda_error(Status::kNullPointer));
}

// Division by a run-time constant through one multiply and a shift. Host and device.
#pragma once

#include <cstdint>

#include "phase.hpp"

namespace convt1d::detail {

// Exact quotient n / divisor for 0 <= n < 2^31 and 1 <= divisor < 2^31. With
// l = ceil(log2(divisor)) and multiplier = floor(2^(31 + l) / divisor) + 1, the error of
// n * multiplier / 2^(31 + l) against n / divisor stays below 1 / divisor, so the floor is exact.
// The multiplier fits 32 bits: 2^31 + 1 for divisor 1, and for 2^(l-1) < divisor <= 2^l at
// most floor(2^32 / (1 + 2^(1-l))) + 1 < 2^32; so the product is one 32 x 32 -> 64-bit multiply.
struct FastDivmod {
  int32_t divisor = 1;
  uint32_t multiplier = (uint32_t{1} << 31) + 1;
  int32_t shift = 31;

  static constexpr FastDivmod make(int32_t divisor) {
    FastDivmod result;
    result.divisor = divisor;
    int32_t log2_ceil = 0;
    while ((int64_t{1} << log2_ceil) < divisor) ++log2_ceil;
    result.shift = 31 + log2_ceil;
    result.multiplier = static_cast<uint32_t>(
        ((uint64_t{1} << result.shift) / static_cast<uint64_t>(divisor)) + 1);
    return result;
  }

  constexpr CONVT1D_HOST_DEVICE int32_t quotient(int32_t n) const {
    return static_cast<int32_t>(
        (static_cast<uint64_t>(static_cast<uint32_t>(n)) * multiplier) >> shift);
  }
};

}  // namespace convt1d::detail

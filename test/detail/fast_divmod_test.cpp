// Host tests of include/convt1d/detail/fast_divmod.hpp: FastDivmod's quotient against integer
// division over its whole stated range, 0 <= n < 2^31 and 1 <= divisor < 2^31, at the points
// where a multiply-and-shift quotient goes wrong first (multiples of the divisor and their
// neighbours, the top of n's range), and for every divisor up to 2^16.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "convt1d/detail/fast_divmod.hpp"

namespace {

using convt1d::detail::FastDivmod;

constexpr int32_t kMaxN = INT32_MAX;  // n < 2^31

// The n values to check for one divisor: around the first multiples, around the multiples just
// below 2^31, and the ends of the range.
std::vector<int32_t> probes(int32_t divisor) {
  std::vector<int32_t> n = {0, 1, 2, kMaxN - 1, kMaxN};
  const int64_t d = divisor;
  const int64_t top = kMaxN / d;  // the largest multiple's quotient
  for (int64_t q : {int64_t{1}, int64_t{2}, int64_t{3}, top / 2, top - 1, top}) {
    for (int64_t delta : {int64_t{-1}, int64_t{0}, int64_t{1}}) {
      const int64_t value = q * d + delta;
      if (value >= 0 && value <= kMaxN) n.push_back(static_cast<int32_t>(value));
    }
  }
  return n;
}

void check(int32_t divisor) {
  const FastDivmod by = FastDivmod::make(divisor);
  for (int32_t n : probes(divisor)) {
    INFO("n " << n << " / divisor " << divisor);
    REQUIRE(by.quotient(n) == n / divisor);
  }
}

}  // namespace

// A constant-expression quotient, as the dispatcher's constexpr rules may use it.
static_assert(FastDivmod::make(7).quotient(INT32_MAX) == INT32_MAX / 7);
static_assert(FastDivmod::make(1).quotient(INT32_MAX) == INT32_MAX);

TEST_CASE("FastDivmod: every divisor up to 2^16", "[fast_divmod]") {
  for (int32_t divisor = 1; divisor <= (1 << 16); ++divisor) check(divisor);
}

TEST_CASE("FastDivmod: divisors at and around every power of two", "[fast_divmod]") {
  // Just above a power of two the multiplier is largest (nearly 2^32); at one, smallest.
  for (int l = 1; l <= 31; ++l) {
    const int64_t power = int64_t{1} << l;
    for (int64_t d : {power / 2 + 1, power / 2 + 3, power - 1, power, power + 1}) {
      if (d >= 1 && d <= kMaxN) check(static_cast<int32_t>(d));
    }
  }
  check(kMaxN);
}

TEST_CASE("FastDivmod: every n below 2^20 for a few divisors", "[fast_divmod]") {
  for (int32_t divisor : {3, 7, 10, 16, 255, 1000, 65537, 1 << 20}) {
    const FastDivmod by = FastDivmod::make(divisor);
    int32_t wrong = 0;
    for (int32_t n = 0; n < (1 << 20); ++n) wrong += by.quotient(n) != n / divisor ? 1 : 0;
    INFO("divisor " << divisor);
    REQUIRE(wrong == 0);
  }
}
